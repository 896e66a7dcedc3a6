// The topology's ring order: domains contiguous, hosts contiguous within them, so a ring
// crosses each domain boundary once; one host gives 0..n-1; every rank computes the same
// order and digest, and a different placement gives a different digest.
#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>
#include <vector>

#include "topology/topology_ring.h"

namespace fccl::test {
namespace {

// Rank r on host hostOf[r], in domain domainOf[r].
std::vector<RankPlace> layout(const std::vector<int>& hostOf, const std::vector<int>& domainOf) {
  std::vector<RankPlace> places;
  for (size_t r = 0; r < hostOf.size(); ++r)
    places.push_back(RankPlace{static_cast<uint64_t>(100 + hostOf[r]), static_cast<uint64_t>(200 + domainOf[r]), 1,
                               "h", "d"});
  return places;
}

int distinct(const std::vector<int>& v) {
  std::vector<int> s = v;
  std::sort(s.begin(), s.end());
  return static_cast<int>(std::unique(s.begin(), s.end()) - s.begin());
}

}  // namespace

TEST_CASE("one host: the ring is 0..n-1", "[unit][topology]") {
  const auto places = layout(std::vector<int>(7, 0), std::vector<int>(7, 0));
  std::vector<int> natural(7);
  std::iota(natural.begin(), natural.end(), 0);
  CHECK(topologyRingOrder(places) == natural);
  CHECK(domainCrossings(natural, places) == 0);
}

TEST_CASE("ranks of a domain are contiguous in the ring, whatever the rank numbering", "[unit][topology]") {
  // 4 hosts x 2 ranks, hosts {0,1} in domain 0 and {2,3} in domain 1, ranks dealt round-robin.
  std::vector<int> hostOf, domainOf;
  for (int r = 0; r < 8; ++r) {
    hostOf.push_back(r % 4);
    domainOf.push_back(r % 4 < 2 ? 0 : 1);
  }
  const auto places = layout(hostOf, domainOf);
  const auto order = topologyRingOrder(places);
  CHECK(order == std::vector<int>{0, 4, 1, 5, 2, 6, 3, 7});
  CHECK(domainCrossings(order, places) == 2);  // the fewest a ring over two domains can have
  std::vector<int> natural(8);
  std::iota(natural.begin(), natural.end(), 0);
  CHECK(domainCrossings(natural, places) == 4);  // what the rank order would have cost
}

TEST_CASE("a ring crosses each domain boundary once, for any placement", "[unit][topology]") {
  const int n = GENERATE(2, 3, 5, 8, 13, 16);
  const int domains = GENERATE(1, 2, 3);
  const int seed = GENERATE(1, 2, 3);
  std::vector<int> hostOf, domainOf;
  uint32_t state = static_cast<uint32_t>(seed * 7919 + n);
  for (int r = 0; r < n; ++r) {
    state = state * 1103515245u + 12345u;
    const int host = static_cast<int>((state >> 8) % 6);
    hostOf.push_back(host);
    domainOf.push_back(host % domains);
  }
  const auto places = layout(hostOf, domainOf);
  const auto order = topologyRingOrder(places);
  std::vector<int> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int> all(static_cast<size_t>(n));
  std::iota(all.begin(), all.end(), 0);
  REQUIRE(sorted == all);
  const int present = distinct(domainOf);
  CHECK(domainCrossings(order, places) == (present > 1 ? present : 0));
  CHECK(topologyHash(places, order) == topologyHash(layout(hostOf, domainOf), topologyRingOrder(places)));
}

TEST_CASE("the topology digest changes with a rank's place", "[unit][topology]") {
  auto a = layout({0, 0, 1, 1}, {0, 0, 1, 1});
  auto b = layout({0, 0, 1, 1}, {0, 0, 0, 0});
  CHECK(topologyHash(a, topologyRingOrder(a)) != topologyHash(b, topologyRingOrder(b)));
}

}  // namespace fccl::test
