// The ring plans, run by a tiny interpreter over whole blocks: every rank's plan is executed
// against message queues between ranks, with values in base n+1 (rank r contributes (n+1)^r),
// so a block counted twice or missed shows up as a wrong digit.
#include <catch2/catch.hpp>

#include <deque>
#include <map>
#include <vector>

#include "algorithms/algorithms.h"

namespace fccl {
namespace {

using Values = std::vector<uint64_t>;

struct SimRank {
  Plan plan;
  Values input, output;
  size_t next = 0;  // next step of channel 0..C-1 flattened per channel
  std::vector<size_t> stepOf;
};

uint64_t contribution(int rank, int n) {
  uint64_t v = 1;
  for (int i = 0; i < rank; ++i) v *= static_cast<uint64_t>(n + 1);
  return v;
}

Values& buf(SimRank& r, const Slice& s) { return s.buffer == Buffer::kInput ? r.input : r.output; }

// Runs all plans to completion; fails the test on a deadlock or a size mismatch.
void simulate(std::vector<SimRank>& ranks) {
  const int n = static_cast<int>(ranks.size());
  std::map<std::tuple<int, int, int>, std::deque<Values>> wires;  // (from, to, channel)
  for (auto& r : ranks) r.stepOf.assign(r.plan.channels.size(), 0);
  for (bool moved = true; moved;) {
    moved = false;
    for (int me = 0; me < n; ++me) {
      SimRank& r = ranks[static_cast<size_t>(me)];
      for (size_t c = 0; c < r.plan.channels.size(); ++c) {
        const auto& steps = r.plan.channels[c].steps;
        while (r.stepOf[c] < steps.size()) {
          const Step& s = steps[r.stepOf[c]];
          Values in;
          if (primRecvs(s.prim)) {
            auto& q = wires[{s.recvPeer, me, static_cast<int>(c)}];
            if (q.empty()) break;
            in = q.front();
            q.pop_front();
          }
          const size_t count = primReadsSrc(s.prim) ? s.src.count : s.dst.count;
          REQUIRE((in.empty() || in.size() == count || count == 0));
          Values result(count);
          for (size_t i = 0; i < count; ++i) {
            const uint64_t local = primReadsSrc(s.prim) ? buf(r, s.src)[s.src.offset + i] : 0;
            result[i] = primReduces(s.prim) ? in[i] + local : primRecvs(s.prim) ? in[i] : local;
          }
          if (primWritesDst(s.prim))
            for (size_t i = 0; i < count; ++i) buf(r, s.dst)[s.dst.offset + i] = result[i];
          if (primSends(s.prim)) wires[{me, s.sendPeer, static_cast<int>(c)}].push_back(result);
          ++r.stepOf[c];
          moved = true;
        }
      }
    }
  }
  for (auto& r : ranks)
    for (size_t c = 0; c < r.plan.channels.size(); ++c) REQUIRE(r.stepOf[c] == r.plan.channels[c].steps.size());
  for (auto& [key, q] : wires) REQUIRE(q.empty());
}

}  // namespace

TEST_CASE("ring all-reduce plan sums every block exactly once", "[unit][plan][ring]") {
  const int n = GENERATE(1, 2, 3, 4, 5, 7, 8);
  const size_t count = GENERATE(size_t{0}, size_t{1}, size_t{7}, size_t{100}, size_t{1001});
  const int channels = GENERATE(1, 2, 3);
  std::vector<SimRank> ranks(static_cast<size_t>(n));
  uint64_t expected = 0;
  for (int r = 0; r < n; ++r) {
    auto& sr = ranks[static_cast<size_t>(r)];
    sr.plan = ringAllReducePlan({Collective::kAllReduce, count, channels, naturalRing(n, r)});
    sr.input.assign(count, contribution(r, n));
    sr.output.assign(count, 0);
    expected += contribution(r, n);
  }
  simulate(ranks);
  for (auto& r : ranks)
    for (size_t i = 0; i < count; ++i) REQUIRE(r.output[i] == expected);
}

TEST_CASE("ring all-gather plan delivers every rank's block to every rank", "[unit][plan][ring]") {
  const int n = GENERATE(1, 2, 3, 5, 8);
  const size_t count = GENERATE(size_t{0}, size_t{1}, size_t{9}, size_t{257});
  const int channels = GENERATE(1, 2);
  std::vector<SimRank> ranks(static_cast<size_t>(n));
  for (int r = 0; r < n; ++r) {
    auto& sr = ranks[static_cast<size_t>(r)];
    sr.plan = ringAllGatherPlan({Collective::kAllGather, count, channels, naturalRing(n, r)});
    sr.input.resize(count);
    for (size_t i = 0; i < count; ++i) sr.input[i] = static_cast<uint64_t>(r) * 100000 + i;
    sr.output.assign(count * static_cast<size_t>(n), ~0ull);
  }
  simulate(ranks);
  for (auto& r : ranks)
    for (size_t i = 0; i < count * static_cast<size_t>(n); ++i) REQUIRE(r.output[i] == (i / count) * 100000 + i % count);
}

TEST_CASE("ring reduce-scatter plan gives each rank its block summed once", "[unit][plan][ring]") {
  const int n = GENERATE(1, 2, 3, 4, 7, 8);
  const size_t count = GENERATE(size_t{0}, size_t{1}, size_t{13}, size_t{300});
  const int channels = GENERATE(1, 4);
  std::vector<SimRank> ranks(static_cast<size_t>(n));
  uint64_t expected = 0;
  for (int r = 0; r < n; ++r) {
    auto& sr = ranks[static_cast<size_t>(r)];
    sr.plan = ringReduceScatterPlan({Collective::kReduceScatter, count, channels, naturalRing(n, r)});
    sr.input.assign(count * static_cast<size_t>(n), contribution(r, n));
    sr.output.assign(count, 0);
    expected += contribution(r, n);
  }
  simulate(ranks);
  for (auto& r : ranks)
    for (size_t i = 0; i < count; ++i) REQUIRE(r.output[i] == expected);
}

TEST_CASE("ring plans talk only to the ring neighbours", "[unit][plan][ring]") {
  const int n = 5;
  for (int r = 0; r < n; ++r) {
    const Ring ring = naturalRing(n, r);
    for (const Plan& plan : {ringAllReducePlan({Collective::kAllReduce, 100, 2, ring}),
                             ringAllGatherPlan({Collective::kAllGather, 100, 2, ring}),
                             ringReduceScatterPlan({Collective::kReduceScatter, 100, 2, ring})})
      for (const Channel& ch : plan.channels)
        for (const Step& s : ch.steps) {
          if (primSends(s.prim)) REQUIRE(s.sendPeer == ring.next());
          if (primRecvs(s.prim)) REQUIRE(s.recvPeer == ring.prev());
        }
  }
}

TEST_CASE("algorithms are found by name and unknown names are not", "[unit][plan]") {
  REQUIRE(findAlgorithm(Collective::kAllReduce, "ring").has_value());
  REQUIRE_FALSE(findAlgorithm(Collective::kAllReduce, "bogus").has_value());
  REQUIRE(algorithmsFor(Collective::kReduceScatter).size() >= 1);
}

}  // namespace fccl

namespace fccl {

TEST_CASE("chain broadcast plan gives every rank the root's data", "[unit][plan][chain]") {
  const int n = GENERATE(1, 2, 3, 5, 8);
  const int root = GENERATE(0, 1, 4);
  const size_t count = GENERATE(size_t{0}, size_t{1}, size_t{77});
  if (root >= n) return;
  std::vector<SimRank> ranks(static_cast<size_t>(n));
  for (int r = 0; r < n; ++r) {
    auto& sr = ranks[static_cast<size_t>(r)];
    sr.plan = chainBroadcastPlan({Collective::kBroadcast, count, 2, naturalRing(n, r), root});
    sr.input.assign(count, static_cast<uint64_t>(r) + 1000);
    sr.output.assign(count, 0);
  }
  simulate(ranks);
  for (auto& r : ranks)
    for (size_t i = 0; i < count; ++i) REQUIRE(r.output[i] == static_cast<uint64_t>(root) + 1000);
}

TEST_CASE("chain reduce plan sums every rank exactly once into the root only", "[unit][plan][chain]") {
  const int n = GENERATE(1, 2, 3, 5, 8);
  const int root = GENERATE(0, 2, 7);
  const size_t count = GENERATE(size_t{0}, size_t{1}, size_t{77});
  if (root >= n) return;
  std::vector<SimRank> ranks(static_cast<size_t>(n));
  uint64_t expected = 0;
  for (int r = 0; r < n; ++r) {
    auto& sr = ranks[static_cast<size_t>(r)];
    sr.plan = chainReducePlan({Collective::kReduce, count, 3, naturalRing(n, r), root});
    sr.input.assign(count, contribution(r, n));
    sr.output.assign(count, 0);
    expected += contribution(r, n);
  }
  simulate(ranks);
  for (int r = 0; r < n; ++r)
    for (size_t i = 0; i < count; ++i) REQUIRE(ranks[static_cast<size_t>(r)].output[i] == (r == root ? expected : 0));
}

}  // namespace fccl
