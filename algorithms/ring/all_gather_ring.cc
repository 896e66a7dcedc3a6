// Ring all-gather. Output block r holds rank r's contribution. A rank copies its own block into
// place and sends it on; at step k it receives the block of the rank k positions before it,
// stores it, and forwards it unless the next rank is the block's owner.
#include "algorithms/ring/ring_plan.h"

namespace fccl {

Plan ringAllGatherPlan(const PlanRequest& req) {
  const Ring& ring = req.ring;
  const int n = ring.size(), next = ring.next(), prev = ring.prev();
  return buildRingPlan(req, [&](const Range& share, std::vector<Step>& steps) {
    auto outputBlockOf = [&](int rank) {
      return Slice{Buffer::kOutput, static_cast<size_t>(rank) * req.count + share.offset, share.count};
    };
    const Slice own{Buffer::kInput, share.offset, share.count};
    const int self = ring.rankAt(ring.pos());
    steps.push_back({Prim::kCopy, kNoPeer, kNoPeer, own, outputBlockOf(self)});
    steps.push_back({Prim::kSend, next, kNoPeer, own, {}});
    for (int k = 1; k < n - 1; ++k)
      steps.push_back({Prim::kRecvCopySend, next, prev, {}, outputBlockOf(ring.rankAt(ring.pos() - k))});
    steps.push_back({Prim::kRecv, kNoPeer, prev, {}, outputBlockOf(ring.rankAt(ring.pos() - (n - 1)))});
  });
}

}  // namespace fccl
