// Pipelined chain broadcast. The ranks form a chain along the ring starting at the root; the
// root sends its buffer, every other rank stores each chunk and forwards it, the last one only
// stores. The executor moves chunk j through every rank before chunk j+1 arrives, so the chain
// is a pipeline: the time is one pass of the data plus (n-1) chunk latencies, not n-1 passes.
#include "algorithms/ring/ring_plan.h"

namespace fccl {

Plan chainBroadcastPlan(const PlanRequest& req) {
  const Ring& ring = req.ring;
  const int n = ring.size();
  // Position in the chain: 0 at the root, n-1 at its end (the root's ring predecessor).
  const int link = ((ring.pos() - ring.posOf(req.root)) % n + n) % n;
  return buildRingPlan(req, [&](const Range& share, std::vector<Step>& steps) {
    const Slice in{Buffer::kInput, share.offset, share.count}, out{Buffer::kOutput, share.offset, share.count};
    if (link == 0) {
      steps.push_back({Prim::kCopy, kNoPeer, kNoPeer, in, out});
      steps.push_back({Prim::kSend, ring.next(), kNoPeer, in, {}});
    } else if (link < n - 1) {
      steps.push_back({Prim::kRecvCopySend, ring.next(), ring.prev(), {}, out});
    } else {
      steps.push_back({Prim::kRecv, kNoPeer, ring.prev(), {}, out});
    }
  });
}

}  // namespace fccl
