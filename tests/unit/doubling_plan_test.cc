// The recursive-doubling all-reduce plan: run on the simulator for every job size up to 17,
// counts, chunk sizes, FIFO depths, in and out of place, sum and avg, against a reference; then
// what each rank sends (the whole buffer once a doubling round, plus the fold for a paired rank),
// that each result is made once per doubling rank. When it is picked is the tuner's (tuner_test).
#include <catch2/catch.hpp>

#include <vector>

#include "algorithms/algorithms.h"
#include "harness/collective_sim.h"

namespace fccl::test {
namespace {

int largestPowerOfTwo(int n) {
  int p = 1;
  while (p * 2 <= n) p *= 2;
  return p;
}

int log2Of(int p) {
  int log = 0;
  while ((1 << log) < p) ++log;
  return log;
}

}  // namespace

TEST_CASE("doubling all-reduce runs exactly in the simulator, in and out of place, sum and avg",
          "[unit][sim][doubling]") {
  const int n = GENERATE(range(1, 18));
  const size_t count = GENERATE(as<size_t>{}, 0, 1, 2, 7, 1000);
  const size_t chunk = GENERATE(as<size_t>{}, 1, 5, 64);
  const size_t slots = GENERATE(as<size_t>{}, 1, 2, 8);
  const bool inPlace = GENERATE(false, true);
  const bool average = GENERATE(false, true);
  const SimCall call{Collective::kAllReduce, &doublingAllReducePlan, n, count, 1 + n % 2, 0, inPlace};
  INFO("n " << n << " count " << count << " chunk " << chunk << " slots " << slots << " in place " << inPlace);
  REQUIRE(simulateCall(call, {chunk, slots, average}).error == "");
}

TEST_CASE("doubling all-reduce: log2(p) exchanges of the whole buffer, two more for a folded pair",
          "[unit][sim][doubling]") {
  const int n = GENERATE(range(2, 18));
  const size_t count = 1000;
  const SimCall call{Collective::kAllReduce, &doublingAllReducePlan, n, count};
  const SimResult result = simulateCall(call, {.chunkElems = 64, .slots = 2});
  REQUIRE(result.error == "");
  const int p = largestPowerOfTwo(n), folded = n - p;
  const std::vector<Plan> plans = plansOf(call);
  int results = 0;
  for (int r = 0; r < n; ++r) {
    INFO("n " << n << " rank " << r);
    const bool hands = r < 2 * folded && r % 2 == 0;  // gives its part to r + 1, gets the result back
    const bool takes = r < 2 * folded && r % 2 == 1;  // adds r - 1's part, sends it the result
    const size_t rounds = hands ? 1 : static_cast<size_t>(log2Of(p)) + (takes ? 1 : 0);
    REQUIRE(result.sentElems[static_cast<size_t>(r)] == rounds * count);
    REQUIRE(result.recvElems[static_cast<size_t>(r)] == rounds * count);
    for (const Step& s : plans[static_cast<size_t>(r)].channels[0].steps)
      if (s.prim == Prim::kRecvReduceCopy && !s.partial) ++results;
  }
  REQUIRE(results == p);  // each doubling rank makes the result once; fcclAvg divides there
}

TEST_CASE("the doubling plan is in the all-reduce table under its name", "[unit][plan][doubling]") {
  REQUIRE(findAlgorithm(Collective::kAllReduce, "doubling")->plan == &doublingAllReducePlan);
  REQUIRE(doublingAllReducePlan({Collective::kAllReduce, 10, 1, naturalRing(1, 0)}).algorithm == "doubling");
}

}  // namespace fccl::test
