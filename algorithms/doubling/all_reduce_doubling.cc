// Recursive-doubling all-reduce: in round k each rank swaps its whole running sum with the
// rank whose ring position differs in bit k, and adds what it gets. After log2(n) rounds every
// rank holds the full sum. A ring takes 2(n-1) dependent steps, each paying a hop's latency;
// this takes log2(n), at the price of sending the whole buffer each time, so it is the choice
// for small messages, where the latency of a hop is the cost.
//
// Every rank ends with the same bits: each round adds two values that the two partners hold
// identically, and IEEE addition and multiplication, min and max are commutative, so a + b on
// one side equals b + a on the other.
//
// When n is not a power of two, p is the largest power of two below it and r = n - p. The first
// 2r positions pair up: the even one sends its input to the odd one, which adds it and takes its
// place among the p ranks that double; the result comes back to the even one at the end. Two
// extra hops for those ranks, instead of a ring's 2(n-1).
#include "algorithms/algorithms.h"
#include "algorithms/common/local_plan.h"
#include "algorithms/common/partition.h"

namespace fccl {
namespace {

void doublingSteps(const Ring& ring, const Slice& in, const Slice& out, std::vector<Step>& steps) {
  const int n = ring.size();
  int doubling = 1;  // p: the ranks that take part in the doubling rounds
  while (doubling * 2 <= n) doubling *= 2;
  const int folded = n - doubling;  // r: pairs in which one rank hands its part to the other
  const int me = ring.pos();
  const bool paired = me < 2 * folded;
  if (paired && me % 2 == 0) {
    steps.push_back({Prim::kSend, ring.rankAt(me + 1), kNoPeer, in, {}});
    steps.push_back({Prim::kRecv, kNoPeer, ring.rankAt(me + 1), {}, out});
    return;
  }
  // Position of the rank that plays doubling index v.
  auto positionOf = [folded](int v) { return v < folded ? 2 * v + 1 : v + folded; };
  const int index = paired ? me / 2 : me - folded;
  Slice sum = in;
  if (paired) {
    Step fold{Prim::kRecvReduceCopy, kNoPeer, ring.rankAt(me - 1), in, out};
    fold.partial = true;
    steps.push_back(fold);
    sum = out;
  }
  for (int bit = 1; bit < doubling; bit <<= 1) {
    const int partner = ring.rankAt(positionOf(index ^ bit));
    steps.push_back({Prim::kSend, partner, kNoPeer, sum, {}});
    Step add{Prim::kRecvReduceCopy, kNoPeer, partner, sum, out};
    add.partial = bit * 2 < doubling;  // the last round's sum is the result, where fcclAvg divides
    steps.push_back(add);
    sum = out;
  }
  if (paired) steps.push_back({Prim::kSend, ring.rankAt(me - 1), kNoPeer, out, {}});
}

}  // namespace

Plan doublingAllReducePlan(const PlanRequest& req) {
  if (req.ring.size() == 1) return localCopyPlan("doubling", req.count, req.channels);
  Plan plan{"doubling", std::vector<Channel>(static_cast<size_t>(req.channels))};
  for (int c = 0; c < req.channels; ++c) {
    const Range share = partOf(req.count, req.channels, c);
    const Slice in{Buffer::kInput, share.offset, share.count};
    const Slice out{Buffer::kOutput, share.offset, share.count};
    doublingSteps(req.ring, in, out, plan.channels[static_cast<size_t>(c)].steps);
  }
  return plan;
}

}  // namespace fccl
