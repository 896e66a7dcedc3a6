// Hierarchical all-reduce: reduce-scatter inside each scale-up domain, all-reduce of each slice
// across domains along its rail, all-gather inside each domain. Each rank sends across domains
// 2(D-1)/D of a 1/L slice of the data instead of a flat ring's share of all of it, and that
// traffic is spread over L rails (L ranks per domain, D domains), while the bulk moves over
// the scale-up fabric.
//
// The phases are three rings: the local ring's reduce-scatter leaves local position p with
// block p + 1 of the channel's share summed over its domain; the rail ring all-reduces that
// block (a ring all-reduce in place in the output); the local ring's all-gather spreads the
// finished blocks. A phase starts once the one before has moved all its chunks: its steps lag
// by the earlier phases' chunk counts (a step moves chunk c in round c + lag), since its chunks
// are cut from other slices than the earlier phase's and do not line up with them.
#include <algorithm>

#include "algorithms/algorithms.h"
#include "algorithms/common/local_plan.h"
#include "algorithms/common/partition.h"
#include "algorithms/hier/hierarchy.h"
#include "algorithms/hier/phases.h"

namespace fccl {
namespace {

// A ring over `ring`, on `share` of the buffers, cut in ring.size() blocks.
struct RingBlocks {
  const Ring& ring;
  Range share;
  Slice block(int k, Buffer buffer) const {
    const int n = ring.size();
    const int position = ((ring.pos() - k) % n + n) % n;
    const Range r = partOf(share.count, n, position);
    return Slice{buffer, share.offset + r.offset, r.count};
  }
};

void localReduceScatter(const RingBlocks& b, bool final, std::vector<Step>& steps) {
  const int n = b.ring.size(), next = b.ring.next(), prev = b.ring.prev();
  steps.push_back({Prim::kSend, next, kNoPeer, b.block(0, Buffer::kInput), {}});
  for (int k = 1; k < n - 1; ++k) steps.push_back({Prim::kRecvReduceSend, next, prev, b.block(k, Buffer::kInput), {}});
  Step last{Prim::kRecvReduceCopy, kNoPeer, prev, b.block(n - 1, Buffer::kInput), b.block(n - 1, Buffer::kOutput)};
  last.partial = !final;
  steps.push_back(last);
}

// Ring all-reduce of `b.share` of the output, in place.
void railAllReduce(const RingBlocks& b, size_t lag, std::vector<Step>& steps) {
  const int n = b.ring.size(), next = b.ring.next(), prev = b.ring.prev();
  const size_t first = steps.size();
  steps.push_back({Prim::kSend, next, kNoPeer, b.block(0, Buffer::kOutput), {}});
  for (int k = 1; k < n - 1; ++k) steps.push_back({Prim::kRecvReduceSend, next, prev, b.block(k, Buffer::kOutput), {}});
  steps.push_back({Prim::kRecvReduceCopySend, next, prev, b.block(n - 1, Buffer::kOutput), b.block(n - 1, Buffer::kOutput)});
  for (int k = n; k < 2 * n - 2; ++k) steps.push_back({Prim::kRecvCopySend, next, prev, {}, b.block(k, Buffer::kOutput)});
  steps.push_back({Prim::kRecv, kNoPeer, prev, {}, b.block(2 * n - 2, Buffer::kOutput)});
  lagFrom(steps, first, lag);
}

void localAllGather(const RingBlocks& b, size_t lag, std::vector<Step>& steps) {
  const int n = b.ring.size(), next = b.ring.next(), prev = b.ring.prev();
  const size_t first = steps.size();
  steps.push_back({Prim::kSend, next, kNoPeer, b.block(n - 1, Buffer::kOutput), {}});
  for (int k = n; k < 2 * n - 2; ++k) steps.push_back({Prim::kRecvCopySend, next, prev, {}, b.block(k, Buffer::kOutput)});
  steps.push_back({Prim::kRecv, kNoPeer, prev, {}, b.block(2 * n - 2, Buffer::kOutput)});
  lagFrom(steps, first, lag);
}

}  // namespace

Plan hierAllReducePlan(const PlanRequest& req) {
  if (req.ring.size() == 1 || !req.hierarchy) return localCopyPlan("hier", req.count, req.channels);
  const Ring local = req.hierarchy->local(), rail = req.hierarchy->rail();
  const int L = local.size(), D = rail.size();
  const size_t chunk = std::max<size_t>(req.chunkElems, 1);
  Plan plan{"hier", std::vector<Channel>(static_cast<size_t>(req.channels))};
  for (int c = 0; c < req.channels; ++c) {
    std::vector<Step>& steps = plan.channels[static_cast<size_t>(c)].steps;
    const Range share = partOf(req.count, req.channels, c);
    if (L == 1) {  // one rank per domain: the rail is everything
      RingBlocks all{rail, share};
      Step copy{Prim::kCopy, kNoPeer, kNoPeer, Slice{Buffer::kInput, share.offset, share.count},
                Slice{Buffer::kOutput, share.offset, share.count}};
      steps.push_back(copy);
      railAllReduce(all, chunksOf(share.count, chunk), steps);
      continue;
    }
    const RingBlocks domain{local, share};
    localReduceScatter(domain, D == 1, steps);
    // This rank now holds block L-1 of the share, summed over its domain.
    const Slice mine = domain.block(L - 1, Buffer::kOutput);
    const size_t phase1 = chunksOf(partOf(share.count, L, 0).count, chunk);  // block 0 is the largest
    size_t phase2 = 0;
    if (D > 1) {
      railAllReduce(RingBlocks{rail, Range{mine.offset, mine.count}}, phase1, steps);
      phase2 = chunksOf(partOf(partOf(share.count, L, 0).count, D, 0).count, chunk);
    }
    localAllGather(domain, phase1 + phase2, steps);
  }
  return plan;
}

}  // namespace fccl
