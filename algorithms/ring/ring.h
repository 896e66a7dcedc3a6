// A ring is an order of the ranks; each rank sends to the next and receives from the previous.
// The order comes from the topology (a ring crosses each domain boundary once); the plans only
// need positions and neighbours.
#pragma once

#include <vector>

namespace fccl {

class Ring {
 public:
  // `order[i]` is the rank at position i; `self` must appear exactly once.
  Ring(std::vector<int> order, int self);
  int size() const { return static_cast<int>(order_.size()); }
  int pos() const { return pos_; }
  int rankAt(int position) const;  // any integer position, taken modulo size()
  int next() const { return rankAt(pos_ + 1); }
  int prev() const { return rankAt(pos_ - 1); }
  int posOf(int rank) const;  // the position of `rank`, which must be in the ring

 private:
  std::vector<int> order_;
  int pos_ = 0;
};

// The ring 0, 1, ..., n-1 seen from `self`.
Ring naturalRing(int nranks, int self);

}  // namespace fccl
