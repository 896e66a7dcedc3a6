// Hierarchical reduce-scatter: inside each domain first, then along each rail across domains.
// The domain phase sums, for each rail, the blocks of that rail's ranks over the domain: a
// ring reduce-scatter per domain index e, over the blocks of ranks rails[.][e], leaving at this
// rank the domain's sum of the block of the rank at index e of its own rail. Those D partial
// blocks have no place in the output (it holds one block), so they go to scratch (the plan's
// scratchElems, extraBuffer(0)). The rail phase is a ring reduce-scatter over the scratch, whose
// last step writes this rank's block, summed over all ranks, to the output. Each rank sends D-1
// blocks across domains.
//
// Phases and the sub-rings of the domain phase follow one another (see all_gather_hier.cc).
#include <algorithm>

#include "algorithms/algorithms.h"
#include "algorithms/common/local_plan.h"
#include "algorithms/common/partition.h"
#include "algorithms/hier/hierarchy.h"
#include "algorithms/hier/phases.h"

namespace fccl {

Plan hierReduceScatterPlan(const PlanRequest& req) {
  // Nothing to reduce (count 0) needs no scratch either.
  if (req.ring.size() == 1 || !req.hierarchy || req.count == 0) return localCopyPlan("hier", req.count, req.channels);
  const Hierarchy& h = *req.hierarchy;
  const Ring local = h.local(), rail = h.rail();
  const int L = local.size(), D = rail.size();
  const size_t chunk = std::max<size_t>(req.chunkElems, 1);
  Plan plan{"hier", std::vector<Channel>(static_cast<size_t>(req.channels))};
  plan.scratchElems = D > 1 ? static_cast<size_t>(D) * req.count : 0;
  for (int c = 0; c < req.channels; ++c) {
    std::vector<Step>& steps = plan.channels[static_cast<size_t>(c)].steps;
    const Range share = partOf(req.count, req.channels, c);
    const size_t blockChunks = chunksOf(share.count, chunk);
    auto inputOf = [&](int rank) {
      return Slice{Buffer::kInput, static_cast<size_t>(rank) * req.count + share.offset, share.count};
    };
    auto scratch = [&](int e) { return Slice{extraBuffer(0), static_cast<size_t>(e) * req.count + share.offset, share.count}; };
    const Slice output{Buffer::kOutput, share.offset, share.count};
    // Domain phase: per domain index e, a ring reduce-scatter of the blocks rails[.][e].
    for (int e = 0; e < D; ++e) {
      auto blockAt = [&](int k) {
        return inputOf(h.rails[static_cast<size_t>(((local.pos() - 1 - k) % L + L) % L)][static_cast<size_t>(e)]);
      };
      const Slice result = D > 1 ? scratch(e) : output;
      const size_t first = steps.size();
      if (L == 1) {
        steps.push_back({Prim::kCopy, kNoPeer, kNoPeer, inputOf(h.rails[0][static_cast<size_t>(e)]), result});
      } else {
        steps.push_back({Prim::kSend, local.next(), kNoPeer, blockAt(0), {}});
        for (int k = 1; k < L - 1; ++k) steps.push_back({Prim::kRecvReduceSend, local.next(), local.prev(), blockAt(k), {}});
        Step last{Prim::kRecvReduceCopy, kNoPeer, local.prev(), blockAt(L - 1), result};
        last.partial = D > 1;
        steps.push_back(last);
      }
      lagFrom(steps, first, blockChunks * static_cast<size_t>(e));
    }
    if (D == 1) continue;
    // Rail phase: a ring reduce-scatter over the scratch; rail position q is domain index q.
    const size_t first = steps.size();
    auto slotAt = [&](int k) { return scratch(((rail.pos() - 1 - k) % D + D) % D); };
    steps.push_back({Prim::kSend, rail.next(), kNoPeer, slotAt(0), {}});
    for (int k = 1; k < D - 1; ++k) steps.push_back({Prim::kRecvReduceSend, rail.next(), rail.prev(), slotAt(k), {}});
    steps.push_back({Prim::kRecvReduceCopy, kNoPeer, rail.prev(), slotAt(D - 1), output});
    lagFrom(steps, first, blockChunks * static_cast<size_t>(D));
  }
  return plan;
}

}  // namespace fccl
