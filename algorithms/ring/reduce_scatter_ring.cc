// Ring reduce-scatter. Input block r is what every rank contributes to rank r's result. At step
// k a rank handles the block of the rank k+1 positions before it: it receives the partial
// reduction of that block, adds its own part and passes it on. The block that arrives at step
// n-1 is its own, now reduced over all ranks, and goes to the output.
#include "algorithms/ring/ring_plan.h"

namespace fccl {

Plan ringReduceScatterPlan(const PlanRequest& req) {
  const Ring& ring = req.ring;
  const int n = ring.size(), next = ring.next(), prev = ring.prev();
  return buildRingPlan(req, [&](const Range& share, std::vector<Step>& steps) {
    auto inputBlockAt = [&](int k) {
      const int owner = ring.rankAt(ring.pos() - 1 - k);
      return Slice{Buffer::kInput, static_cast<size_t>(owner) * req.count + share.offset, share.count};
    };
    steps.push_back({Prim::kSend, next, kNoPeer, inputBlockAt(0), {}});
    for (int k = 1; k < n - 1; ++k) steps.push_back({Prim::kRecvReduceSend, next, prev, inputBlockAt(k), {}});
    steps.push_back({Prim::kRecvReduceCopy, kNoPeer, prev, inputBlockAt(n - 1),
                     Slice{Buffer::kOutput, share.offset, share.count}});
  });
}

}  // namespace fccl
