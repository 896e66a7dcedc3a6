// Ring all-gather. Output block r holds rank r's contribution. A rank copies its own block into
// place and sends it on; at step k it receives the block of the rank k positions before it,
// stores it, and forwards it unless the next rank is the block's owner.
#include "algorithms/algorithms.h"
#include "algorithms/common/local_plan.h"
#include "algorithms/common/partition.h"

namespace fccl {

Plan ringAllGatherPlan(const PlanRequest& req) {
  const Ring& ring = req.ring;
  const int n = ring.size(), next = ring.next(), prev = ring.prev();
  if (n == 1) return localCopyPlan("ring", req.count, req.channels);
  Plan plan{"ring", std::vector<Channel>(static_cast<size_t>(req.channels))};
  for (int c = 0; c < req.channels; ++c) {
    const Range share = partOf(req.count, req.channels, c);
    auto outputBlockOf = [&](int rank) {
      return Slice{Buffer::kOutput, static_cast<size_t>(rank) * req.count + share.offset, share.count};
    };
    const Slice own{Buffer::kInput, share.offset, share.count};
    const int self = ring.rankAt(ring.pos());
    auto& steps = plan.channels[static_cast<size_t>(c)].steps;
    steps.push_back({Prim::kCopy, kNoPeer, kNoPeer, own, outputBlockOf(self)});
    steps.push_back({Prim::kSend, next, kNoPeer, own, {}});
    for (int k = 1; k < n - 1; ++k)
      steps.push_back({Prim::kRecvCopySend, next, prev, {}, outputBlockOf(ring.rankAt(ring.pos() - k))});
    steps.push_back({Prim::kRecv, kNoPeer, prev, {}, outputBlockOf(ring.rankAt(ring.pos() - (n - 1)))});
  }
  return plan;
}

}  // namespace fccl
