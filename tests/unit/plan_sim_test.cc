// The plan simulator itself (what it reports, and that it follows the executor's rules), then
// the ring and chain plans run through it across job sizes, counts, chunk sizes and FIFO depths.
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "algorithms/algorithms.h"
#include "harness/collective_sim.h"
#include "harness/plan_sim.h"

namespace fccl::test {
namespace {

Slice in(size_t offset, size_t count) { return {Buffer::kInput, offset, count}; }
Slice out(size_t offset, size_t count) { return {Buffer::kOutput, offset, count}; }

Step step(Prim prim, int sendPeer, int recvPeer, Slice src, Slice dst, uint32_t lag = 0) {
  Step s{prim, sendPeer, recvPeer, src, dst};
  s.lag = lag;
  return s;
}

// A rank with one channel of `steps`, input 0, 1, 2, ... of `count` elements and an output as long.
SimRank rankWith(std::vector<Step> steps, size_t count, double first = 0) {
  std::vector<double> input(count);
  for (size_t i = 0; i < count; ++i) input[i] = first + static_cast<double>(i);
  return outOfPlaceRank(Plan{"test", {Channel{std::move(steps)}}}, input, count);
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("simulator reports receives nobody sends as a deadlock, naming every waiting rank", "[unit][sim]") {
  std::vector<SimRank> ranks{rankWith({step(Prim::kRecv, kNoPeer, 1, {}, out(0, 4))}, 4),
                             rankWith({step(Prim::kRecv, kNoPeer, 0, {}, out(0, 4))}, 4)};
  const SimResult result = simulate(ranks, {});
  INFO(result.error);
  REQUIRE(contains(result.error, "deadlock"));
  REQUIRE(contains(result.error, "rank 0 channel 0 step 1/1 recv from rank 1, round 1/1 waits for data from rank 1"));
  REQUIRE(contains(result.error, "rank 1 channel 0 step 1/1 recv from rank 0, round 1/1 waits for data from rank 0"));
}

TEST_CASE("simulator blocks a send on a full FIFO and moves a lagging step's chunks late", "[unit][sim]") {
  // Each rank sends three chunks, and receives its peer's two rounds behind: with two slots both
  // find the FIFO full in round 3 before either receives; a third slot lets the job finish.
  auto job = [] {
    std::vector<SimRank> ranks;
    for (int r = 0; r < 2; ++r)
      ranks.push_back(rankWith(
          {step(Prim::kSend, 1 - r, kNoPeer, in(0, 3), {}), step(Prim::kRecv, kNoPeer, 1 - r, {}, out(0, 3), 2)}, 3,
          10.0 * r));
    return ranks;
  };
  std::vector<SimRank> tight = job();
  const SimResult blocked = simulate(tight, {.chunkElems = 1, .slots = 2});
  INFO(blocked.error);
  REQUIRE(contains(blocked.error,
                   "rank 0 channel 0 step 1/2 send to rank 1, round 3/5 waits for a free slot to rank 1 "
                   "(2 chunks queued)"));
  std::vector<SimRank> roomy = job();
  const SimResult done = simulate(roomy, {.chunkElems = 1, .slots = 3});
  REQUIRE(done.error == "");
  REQUIRE(contents(roomy[0], roomy[0].output) == std::vector<double>{10, 11, 12});
  REQUIRE(contents(roomy[1], roomy[1].output) == std::vector<double>{0, 1, 2});
  REQUIRE(done.sentElems == std::vector<size_t>{3, 3});
  REQUIRE(done.recvElems == std::vector<size_t>{3, 3});
}

TEST_CASE("simulator reports a chunk whose size the receiver does not expect", "[unit][sim]") {
  std::vector<SimRank> ranks{rankWith({step(Prim::kSend, 1, kNoPeer, in(0, 5), {})}, 5),
                             rankWith({step(Prim::kRecv, kNoPeer, 0, {}, out(0, 4))}, 5)};
  const SimResult result = simulate(ranks, {});
  REQUIRE(result.error ==
          "rank 1 channel 0 step 1/1 recv from rank 0, round 1/1: rank 0 sent 5 elements where 4 "
          "were expected");
}

TEST_CASE("simulator reports data left in a FIFO once every rank has finished", "[unit][sim]") {
  std::vector<SimRank> ranks{rankWith({step(Prim::kSend, 1, kNoPeer, in(0, 3), {})}, 3), rankWith({}, 3)};
  const SimResult result = simulate(ranks, {});
  REQUIRE(result.error ==
          "every rank finished, but data was left in FIFOs:\n  rank 0 -> rank 1 channel 0: 1 chunks "
          "never received");
}

TEST_CASE("simulator rejects slices outside their buffers and peers outside the job", "[unit][sim]") {
  std::vector<SimRank> outside{rankWith({step(Prim::kCopy, kNoPeer, kNoPeer, in(2, 3), out(0, 3))}, 4)};
  REQUIRE(contains(simulate(outside, {}).error, "src [2+3] lies outside its buffer of 4 elements"));
  std::vector<SimRank> stranger{rankWith({step(Prim::kSend, 7, kNoPeer, in(0, 3), {})}, 4), rankWith({}, 4)};
  REQUIRE(contains(simulate(stranger, {}).error, "rank 0 channel 0 step 1/1 send to rank 7, round 1/1: no such peer"));
}

TEST_CASE("simulator averages only where a reduce-copy step is final", "[unit][sim]") {
  const bool partial = GENERATE(false, true);
  Step reduce = step(Prim::kRecvReduceCopy, kNoPeer, 0, in(0, 2), out(0, 2));
  reduce.partial = partial;
  std::vector<SimRank> ranks{rankWith({step(Prim::kSend, 1, kNoPeer, in(0, 2), {})}, 2, 1), rankWith({reduce}, 2, 5)};
  REQUIRE(simulate(ranks, {.average = true}).error == "");
  const std::vector<double> sums{6, 8};
  REQUIRE(contents(ranks[1], ranks[1].output) == (partial ? sums : std::vector<double>{3, 4}));
}

TEST_CASE("simulator prices a chain broadcast as a pipeline", "[unit][sim][chain]") {
  // Ten chunks through six ranks: the root spends two ticks a round (copy, send), and the last
  // chunk reaches the end five hops after it leaves; one chunk at a time would take 50 ticks.
  const SimCall call{Collective::kBroadcast, &chainBroadcastPlan, 6, 100};
  const SimResult result = simulateCall(call, {.chunkElems = 10, .slots = 2});
  REQUIRE(result.error == "");
  REQUIRE(result.ticks == 2 * 10 + 5);
}

TEST_CASE("ring all-reduce runs exactly in the simulator, in and out of place, sum and avg", "[unit][sim][ring]") {
  const int n = GENERATE(range(1, 10));
  const size_t count = GENERATE(as<size_t>{}, 0, 1, 7, 100, 1000);
  const size_t chunk = GENERATE(as<size_t>{}, 1, 3, 64);
  const size_t slots = GENERATE(as<size_t>{}, 2, 8);
  const bool inPlace = GENERATE(false, true);
  const bool average = GENERATE(false, true);
  const SimCall call{Collective::kAllReduce, &ringAllReducePlan, n, count, 1 + n % 2, 0, inPlace};
  INFO("n " << n << " count " << count << " chunk " << chunk << " slots " << slots << " in place " << inPlace);
  REQUIRE(simulateCall(call, {chunk, slots, average}).error == "");
}

TEST_CASE("ring all-gather runs exactly in the simulator, in and out of place", "[unit][sim][ring]") {
  const int n = GENERATE(range(1, 10));
  const size_t count = GENERATE(as<size_t>{}, 0, 1, 7, 100, 1000);
  const size_t chunk = GENERATE(as<size_t>{}, 1, 3, 64);
  const size_t slots = GENERATE(as<size_t>{}, 2, 8);
  const bool inPlace = GENERATE(false, true);
  const SimCall call{Collective::kAllGather, &ringAllGatherPlan, n, count, 1 + n % 2, 0, inPlace};
  INFO("n " << n << " count " << count << " chunk " << chunk << " slots " << slots << " in place " << inPlace);
  REQUIRE(simulateCall(call, {chunk, slots}).error == "");
}

TEST_CASE("ring reduce-scatter runs exactly in the simulator, in and out of place, sum and avg", "[unit][sim][ring]") {
  const int n = GENERATE(range(1, 10));
  const size_t count = GENERATE(as<size_t>{}, 0, 1, 7, 100, 1000);
  const size_t chunk = GENERATE(as<size_t>{}, 1, 3, 64);
  const size_t slots = GENERATE(as<size_t>{}, 2, 8);
  const bool inPlace = GENERATE(false, true);
  const bool average = GENERATE(false, true);
  const SimCall call{Collective::kReduceScatter, &ringReduceScatterPlan, n, count, 1 + n % 2, 0, inPlace};
  INFO("n " << n << " count " << count << " chunk " << chunk << " slots " << slots << " in place " << inPlace);
  REQUIRE(simulateCall(call, {chunk, slots, average}).error == "");
}

TEST_CASE("chain broadcast runs exactly in the simulator from every kind of root", "[unit][sim][chain]") {
  const int n = GENERATE(range(1, 10));
  const int root = n * GENERATE(0, 1, 2) / 3;  // the first rank, one inside, one past the middle
  const size_t count = GENERATE(as<size_t>{}, 0, 1, 7, 100, 1000);
  const size_t chunk = GENERATE(as<size_t>{}, 1, 3, 64);
  const size_t slots = GENERATE(as<size_t>{}, 2, 8);
  const bool inPlace = GENERATE(false, true);
  const SimCall call{Collective::kBroadcast, &chainBroadcastPlan, n, count, 1 + n % 2, root, inPlace};
  INFO("n " << n << " root " << root << " count " << count << " chunk " << chunk << " slots " << slots);
  REQUIRE(simulateCall(call, {chunk, slots}).error == "");
}

TEST_CASE("chain reduce runs exactly in the simulator and writes only the root's output", "[unit][sim][chain]") {
  const int n = GENERATE(range(1, 10));
  const int root = n * GENERATE(0, 1, 2) / 3;
  const size_t count = GENERATE(as<size_t>{}, 0, 1, 7, 100, 1000);
  const size_t chunk = GENERATE(as<size_t>{}, 1, 3, 64);
  const size_t slots = GENERATE(as<size_t>{}, 2, 8);
  const bool inPlace = GENERATE(false, true);
  const bool average = GENERATE(false, true);
  const SimCall call{Collective::kReduce, &chainReducePlan, n, count, 1 + n % 2, root, inPlace};
  INFO("n " << n << " root " << root << " count " << count << " chunk " << chunk << " slots " << slots);
  REQUIRE(simulateCall(call, {chunk, slots, average}).error == "");
}

}  // namespace fccl::test
