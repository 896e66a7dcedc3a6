// Hierarchical all-reduce: the domain and rail rings a rank gets from the ring order, and the
// plan run on the simulator for domains of every shape (D domains of L ranks), counts, chunk
// sizes, FIFO depths, in and out of place, sum and avg, against a reference; then that the
// traffic between domains is the rail all-reduce's, a 1/L slice per rank.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <vector>

#include "algorithms/algorithms.h"
#include "algorithms/hier/hierarchy.h"
#include "harness/collective_sim.h"

namespace fccl::test {
namespace {

std::vector<int> blocksOf(int domains, int perDomain) {
  std::vector<int> domainOf;
  for (int d = 0; d < domains; ++d)
    for (int i = 0; i < perDomain; ++i) domainOf.push_back(d);
  return domainOf;
}

}  // namespace

TEST_CASE("a rank's domain ring and rail come from the ring order", "[unit][plan][hier]") {
  // Ring order 0 4 1 5 | 2 6 3 7: domain 0 holds {0,4,1,5}, domain 1 {2,6,3,7}.
  const std::vector<int> order{0, 4, 1, 5, 2, 6, 3, 7};
  const std::vector<int> domainOf{0, 0, 1, 1, 0, 0, 1, 1};
  auto h = makeHierarchy(order, domainOf, 5);
  REQUIRE(h.isOk());
  CHECK(h->localOrder == std::vector<int>{0, 4, 1, 5});
  CHECK(h->railOrder == std::vector<int>{5, 7});
  CHECK(h->local().pos() == 3);
  CHECK(h->rail().pos() == 0);
}

TEST_CASE("domains of different sizes have no hierarchy, with a message", "[unit][plan][hier]") {
  auto h = makeHierarchy(std::vector<int>{0, 1, 2}, std::vector<int>{0, 0, 1}, 0);
  REQUIRE_FALSE(h.isOk());
  CHECK(h.status().code() == Code::kInvalidUsage);
  CHECK(h.status().message().find("one size (here: 2, 1)") != std::string::npos);
}

TEST_CASE("hierarchical all-reduce runs exactly in the simulator for every shape of domains", "[unit][sim][hier]") {
  const auto shape = GENERATE(std::pair{1, 1}, std::pair{1, 4}, std::pair{4, 1}, std::pair{2, 2}, std::pair{2, 3},
                              std::pair{3, 2}, std::pair{2, 4}, std::pair{4, 2}, std::pair{3, 3});
  const size_t count = GENERATE(as<size_t>{}, 0, 1, 5, 7, 100, 1000);
  const size_t chunk = GENERATE(as<size_t>{}, 1, 3, 64);
  const size_t slots = GENERATE(as<size_t>{}, 2, 8);  // a ring step receives and sends: 2 at least
  const bool inPlace = GENERATE(false, true);
  const bool average = GENERATE(false, true);
  const auto [domains, perDomain] = shape;
  SimCall call{Collective::kAllReduce, &hierAllReducePlan, domains * perDomain, count, 1 + static_cast<int>(count % 2), 0, inPlace};
  call.domainOf = blocksOf(domains, perDomain);
  INFO(domains << " domains x " << perDomain << ", count " << count << " chunk " << chunk << " slots " << slots
               << " in place " << inPlace);
  REQUIRE(simulateCall(call, {chunk, slots, average}).error == "");
}

TEST_CASE("hierarchical all-gather runs exactly in the simulator for every shape of domains", "[unit][sim][hier]") {
  const auto shape = GENERATE(std::pair{1, 1}, std::pair{1, 4}, std::pair{4, 1}, std::pair{2, 2}, std::pair{2, 3},
                              std::pair{3, 2}, std::pair{2, 4}, std::pair{3, 3});
  const size_t count = GENERATE(as<size_t>{}, 0, 1, 7, 100);
  const size_t chunk = GENERATE(as<size_t>{}, 1, 3, 64);
  const size_t slots = GENERATE(as<size_t>{}, 2, 8);
  const bool inPlace = GENERATE(false, true);
  const auto [domains, perDomain] = shape;
  SimCall call{Collective::kAllGather, &hierAllGatherPlan, domains * perDomain, count, 1 + static_cast<int>(count % 2),
               0, inPlace};
  call.domainOf = blocksOf(domains, perDomain);
  INFO(domains << " domains x " << perDomain << ", count " << count << " chunk " << chunk << " slots " << slots
               << " in place " << inPlace);
  REQUIRE(simulateCall(call, {chunk, slots}).error == "");
}

TEST_CASE("hierarchical reduce-scatter runs exactly in the simulator for every shape of domains", "[unit][sim][hier]") {
  const auto shape = GENERATE(std::pair{1, 1}, std::pair{1, 4}, std::pair{4, 1}, std::pair{2, 2}, std::pair{2, 3},
                              std::pair{3, 2}, std::pair{2, 4}, std::pair{3, 3});
  const size_t count = GENERATE(as<size_t>{}, 0, 1, 7, 100);
  const size_t chunk = GENERATE(as<size_t>{}, 1, 3, 64);
  const size_t slots = GENERATE(as<size_t>{}, 2, 8);
  const bool inPlace = GENERATE(false, true);
  const bool average = GENERATE(false, true);
  const auto [domains, perDomain] = shape;
  SimCall call{Collective::kReduceScatter, &hierReduceScatterPlan, domains * perDomain, count,
               1 + static_cast<int>(count % 2), 0, inPlace};
  call.domainOf = blocksOf(domains, perDomain);
  INFO(domains << " domains x " << perDomain << ", count " << count << " chunk " << chunk << " slots " << slots
               << " in place " << inPlace);
  REQUIRE(simulateCall(call, {chunk, slots, average}).error == "");
}

TEST_CASE("hierarchical reduce-scatter sends D-1 blocks across domains, with D blocks of scratch",
          "[unit][sim][hier]") {
  const int domains = 3, perDomain = 2, n = domains * perDomain;
  const size_t count = 100;
  SimCall call{Collective::kReduceScatter, &hierReduceScatterPlan, n, count};
  call.domainOf = blocksOf(domains, perDomain);
  const std::vector<Plan> plans = plansOf(call, 16);
  for (int r = 0; r < n; ++r) {
    size_t across = 0;
    for (const Step& s : plans[static_cast<size_t>(r)].channels[0].steps)
      if (primSends(s.prim) && call.domainOf[static_cast<size_t>(s.sendPeer)] != call.domainOf[static_cast<size_t>(r)])
        across += s.src.count;
    INFO("rank " << r);
    CHECK(across == (domains - 1) * count);
    CHECK(plans[static_cast<size_t>(r)].scratchElems == domains * count);
  }
}

TEST_CASE("hierarchical all-gather sends D-1 blocks across domains", "[unit][sim][hier]") {
  const int domains = 3, perDomain = 2, n = domains * perDomain;
  const size_t count = 100;
  SimCall call{Collective::kAllGather, &hierAllGatherPlan, n, count};
  call.domainOf = blocksOf(domains, perDomain);
  const std::vector<Plan> plans = plansOf(call, 16);
  for (int r = 0; r < n; ++r) {
    size_t across = 0;
    for (const Step& s : plans[static_cast<size_t>(r)].channels[0].steps)
      if (primSends(s.prim) && call.domainOf[static_cast<size_t>(s.sendPeer)] != call.domainOf[static_cast<size_t>(r)])
        across += s.src.count ? s.src.count : s.dst.count;
    INFO("rank " << r);
    CHECK(across == (domains - 1) * count);
  }
}

TEST_CASE("tree all-reduce over domains runs exactly in the simulator", "[unit][sim][hier][tree]") {
  const auto shape = GENERATE(std::pair{2, 2}, std::pair{2, 3}, std::pair{3, 2}, std::pair{4, 2}, std::pair{5, 3});
  const size_t count = GENERATE(as<size_t>{}, 0, 1, 7, 1000);
  const size_t chunk = GENERATE(as<size_t>{}, 1, 64);
  const size_t slots = GENERATE(as<size_t>{}, 2, 8);
  const bool inPlace = GENERATE(false, true);
  const bool average = GENERATE(false, true);
  const auto [domains, perDomain] = shape;
  SimCall call{Collective::kAllReduce, &treeAllReducePlan, domains * perDomain, count, 1, 0, inPlace};
  call.domainOf = blocksOf(domains, perDomain);
  INFO(domains << " domains x " << perDomain << ", count " << count << " chunk " << chunk << " slots " << slots);
  REQUIRE(simulateCall(call, {chunk, slots, average}).error == "");
}

TEST_CASE("tree all-reduce over domains: leaves and chains inside domains, only heads linked across",
          "[unit][plan][hier][tree]") {
  const int domains = 4, perDomain = 3, n = domains * perDomain;
  SimCall call{Collective::kAllReduce, &treeAllReducePlan, n, 100};
  call.domainOf = blocksOf(domains, perDomain);
  const std::vector<Plan> plans = plansOf(call, 16);
  for (int r = 0; r < n; ++r) {
    const bool head = r % perDomain == 0;
    for (const Channel& ch : plans[static_cast<size_t>(r)].channels)
      for (const Step& s : ch.steps)
        for (int peer : {s.sendPeer, s.recvPeer}) {
          if (peer == kNoPeer) continue;
          INFO("rank " << r << " peer " << peer);
          if (call.domainOf[static_cast<size_t>(peer)] != call.domainOf[static_cast<size_t>(r)])
            CHECK((head && peer % perDomain == 0));  // across domains: head to head only
          else
            CHECK(std::abs(peer - r) == 1);  // inside: the chain
        }
  }
}

TEST_CASE("hierarchical all-reduce sends a 1/L slice across domains, the rest inside", "[unit][sim][hier]") {
  const int domains = 2, perDomain = 4, n = domains * perDomain;
  const size_t count = 800;
  SimCall call{Collective::kAllReduce, &hierAllReducePlan, n, count};
  call.domainOf = blocksOf(domains, perDomain);
  REQUIRE(simulateCall(call, {.chunkElems = 16, .slots = 2}).error == "");
  const std::vector<Plan> plans = plansOf(call, 16);
  for (int r = 0; r < n; ++r) {
    size_t across = 0, inside = 0;
    for (const Step& s : plans[static_cast<size_t>(r)].channels[0].steps) {
      if (!primSends(s.prim)) continue;
      const size_t elems = s.src.count ? s.src.count : s.dst.count;
      (call.domainOf[static_cast<size_t>(s.sendPeer)] == call.domainOf[static_cast<size_t>(r)] ? inside : across) +=
          elems;
    }
    INFO("rank " << r);
    CHECK(across == count / perDomain / domains * 2 * (domains - 1));  // the rail ring's 2(D-1)/D of a 1/L slice
    CHECK(inside == count / perDomain * 2 * (perDomain - 1));          // reduce-scatter and all-gather in the domain
  }
}

}  // namespace fccl::test
