#include "topology/topology_ring.h"

#include <algorithm>
#include <string>

#include "topology/identity_hash.h"

namespace fccl {

std::vector<int> topologyRingOrder(std::span<const RankPlace> places) {
  const int n = static_cast<int>(places.size());
  // The lowest rank of each rank's domain and host: the keys that group and order them.
  std::vector<int> domainFirst(places.size()), hostFirst(places.size());
  for (int r = 0; r < n; ++r) {
    domainFirst[static_cast<size_t>(r)] = hostFirst[static_cast<size_t>(r)] = r;
    for (int q = 0; q < r; ++q) {
      if (places[static_cast<size_t>(q)].domain == places[static_cast<size_t>(r)].domain) {
        domainFirst[static_cast<size_t>(r)] = domainFirst[static_cast<size_t>(q)];
        break;
      }
    }
    for (int q = 0; q < r; ++q) {
      const RankPlace& a = places[static_cast<size_t>(q)];
      const RankPlace& b = places[static_cast<size_t>(r)];
      if (a.domain == b.domain && a.host == b.host) {
        hostFirst[static_cast<size_t>(r)] = hostFirst[static_cast<size_t>(q)];
        break;
      }
    }
  }
  std::vector<int> order(places.size());
  for (int r = 0; r < n; ++r) order[static_cast<size_t>(r)] = r;
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    const auto ka = std::make_pair(domainFirst[static_cast<size_t>(a)], hostFirst[static_cast<size_t>(a)]);
    const auto kb = std::make_pair(domainFirst[static_cast<size_t>(b)], hostFirst[static_cast<size_t>(b)]);
    return ka < kb;
  });
  return order;
}

std::vector<int> domainIndices(std::span<const RankPlace> places) {
  std::vector<int> domainOf(places.size());
  for (size_t r = 0; r < places.size(); ++r) {
    domainOf[r] = static_cast<int>(r);
    for (size_t q = 0; q < r; ++q)
      if (places[q].domain == places[r].domain) {
        domainOf[r] = domainOf[q];
        break;
      }
  }
  return domainOf;
}

int domainCrossings(std::span<const int> order, std::span<const RankPlace> places) {
  int crossings = 0;
  for (size_t i = 0; i < order.size() && order.size() > 1; ++i) {
    const int a = order[i], b = order[(i + 1) % order.size()];
    if (places[static_cast<size_t>(a)].domain != places[static_cast<size_t>(b)].domain) ++crossings;
  }
  return crossings;
}

uint64_t topologyHash(std::span<const RankPlace> places, std::span<const int> order) {
  std::string text;
  for (const RankPlace& p : places)
    text += std::to_string(p.host) + "/" + std::to_string(p.domain) + "/" + std::to_string(p.kernel) + ";";
  for (int r : order) text += std::to_string(r) + ",";
  return identityHash(text);
}

}  // namespace fccl
