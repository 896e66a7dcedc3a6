#include "algorithms/ring/ring.h"

#include <numeric>
#include <stdexcept>

namespace fccl {

Ring::Ring(std::vector<int> order, int self) : order_(std::move(order)) {
  for (size_t i = 0; i < order_.size(); ++i)
    if (order_[i] == self) pos_ = static_cast<int>(i);
}

int Ring::rankAt(int position) const {
  const int n = size();
  return order_[static_cast<size_t>(((position % n) + n) % n)];
}

int Ring::posOf(int rank) const {
  for (size_t i = 0; i < order_.size(); ++i)
    if (order_[i] == rank) return static_cast<int>(i);
  return -1;
}

Ring naturalRing(int nranks, int self) {
  std::vector<int> order(static_cast<size_t>(nranks));
  std::iota(order.begin(), order.end(), 0);
  return Ring(std::move(order), self);
}

}  // namespace fccl
