// Hierarchical all-gather: an all-gather along each rail across domains, then one inside each
// domain. After the first, a rank holds the blocks of its rail (one per domain) in their places
// in the output; the second passes each rank's rail blocks around its domain's ring. Each rank
// sends (D-1) blocks across domains, where a flat ring funnels n-1 blocks through each of the
// few ranks at a domain boundary; the rest moves over the scale-up fabric. Output block r is
// rank r's input, as for every all-gather.
//
// Each phase lags by the chunk counts of those before it (see all_reduce_hier.cc).
#include <algorithm>

#include "algorithms/algorithms.h"
#include "algorithms/common/local_plan.h"
#include "algorithms/common/partition.h"
#include "algorithms/hier/hierarchy.h"
#include "algorithms/hier/phases.h"

namespace fccl {

Plan hierAllGatherPlan(const PlanRequest& req) {
  if (req.ring.size() == 1 || !req.hierarchy) return localCopyPlan("hier", req.count, req.channels);
  const Hierarchy& h = *req.hierarchy;
  const Ring local = h.local(), rail = h.rail();
  const int L = local.size(), D = rail.size();
  const size_t chunk = std::max<size_t>(req.chunkElems, 1);
  Plan plan{"hier", std::vector<Channel>(static_cast<size_t>(req.channels))};
  for (int c = 0; c < req.channels; ++c) {
    std::vector<Step>& steps = plan.channels[static_cast<size_t>(c)].steps;
    const Range share = partOf(req.count, req.channels, c);
    auto outputOf = [&](int rank) {
      return Slice{Buffer::kOutput, static_cast<size_t>(rank) * req.count + share.offset, share.count};
    };
    const Slice own{Buffer::kInput, share.offset, share.count};
    // Rail phase: a ring all-gather over the rail.
    steps.push_back({Prim::kCopy, kNoPeer, kNoPeer, own, outputOf(h.self)});
    if (D > 1) {
      steps.push_back({Prim::kSend, rail.next(), kNoPeer, own, {}});
      for (int k = 1; k < D - 1; ++k)
        steps.push_back({Prim::kRecvCopySend, rail.next(), rail.prev(), {}, outputOf(rail.rankAt(rail.pos() - k))});
      steps.push_back({Prim::kRecv, kNoPeer, rail.prev(), {}, outputOf(rail.rankAt(rail.pos() - (D - 1)))});
    }
    if (L == 1) continue;
    // Domain phase, once the rail phase is done: a ring all-gather inside the domain per domain
    // index e, of the blocks rails[.][e]. One after another: several blocks to one neighbour in one
    // round would fill its FIFO while it fills ours.
    const size_t blockChunks = chunksOf(share.count, chunk);
    auto blockAt = [&](int k, int e) {
      return outputOf(h.rails[static_cast<size_t>(((local.pos() - k) % L + L) % L)][static_cast<size_t>(e)]);
    };
    for (int e = 0; e < D; ++e) {
      const size_t first = steps.size();
      steps.push_back({Prim::kSend, local.next(), kNoPeer, blockAt(0, e), {}});
      for (int k = 1; k < L - 1; ++k) steps.push_back({Prim::kRecvCopySend, local.next(), local.prev(), {}, blockAt(k, e)});
      steps.push_back({Prim::kRecv, kNoPeer, local.prev(), {}, blockAt(L - 1, e)});
      lagFrom(steps, first, blockChunks * static_cast<size_t>(1 + e));  // the rail phase, then e domain rounds
    }
  }
  return plan;
}

}  // namespace fccl
