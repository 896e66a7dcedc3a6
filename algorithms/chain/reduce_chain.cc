// Pipelined chain reduce. The ranks form a chain along the ring that ends at the root: the rank
// after the root starts it with its own data, every rank on the way adds its part to each chunk
// and passes it on, and the root adds the last part and stores the result (where fcclAvg
// divides). Chunks flow as in the broadcast chain, so the time is one pass plus n-1 latencies.
#include "algorithms/ring/ring_plan.h"

namespace fccl {

Plan chainReducePlan(const PlanRequest& req) {
  const Ring& ring = req.ring;
  const int n = ring.size();
  // Position in the chain: 1 just after the root, n-1 just before it, 0 at the root (its end).
  const int link = ((ring.pos() - ring.posOf(req.root)) % n + n) % n;
  return buildRingPlan(req, [&](const Range& share, std::vector<Step>& steps) {
    const Slice in{Buffer::kInput, share.offset, share.count}, out{Buffer::kOutput, share.offset, share.count};
    if (link == 1) steps.push_back({Prim::kSend, ring.next(), kNoPeer, in, {}});
    else if (link > 1) steps.push_back({Prim::kRecvReduceSend, ring.next(), ring.prev(), in, {}});
    else steps.push_back({Prim::kRecvReduceCopy, kNoPeer, ring.prev(), in, out});
  });
}

}  // namespace fccl
