// Ring all-reduce = ring reduce-scatter followed by ring all-gather, on one buffer.
// Each channel owns a contiguous share of the elements and cuts it into n blocks. At step k a
// rank handles block (pos - k) mod n: it receives the partial sum of that block from its
// previous rank, adds its own contribution and passes it on. After n-1 such steps it holds the
// complete sum of block pos + 1 (recvReduceCopySend stores it and passes it on), and n-2 more
// steps circulate the finished blocks until every rank has all of them.
#include "algorithms/ring/ring_plan.h"

namespace fccl {

Plan ringAllReducePlan(const PlanRequest& req) {
  const Ring& ring = req.ring;
  const int n = ring.size(), next = ring.next(), prev = ring.prev();
  return buildRingPlan(req, [&](const Range& share, std::vector<Step>& steps) {
    auto block = [&](int k, Buffer buffer) {
      const int position = ((ring.pos() - k) % n + n) % n;
      const Range r = partOf(share.count, n, position);
      return Slice{buffer, share.offset + r.offset, r.count};
    };
    steps.push_back({Prim::kSend, next, kNoPeer, block(0, Buffer::kInput), {}});
    for (int k = 1; k < n - 1; ++k) steps.push_back({Prim::kRecvReduceSend, next, prev, block(k, Buffer::kInput), {}});
    steps.push_back(
        {Prim::kRecvReduceCopySend, next, prev, block(n - 1, Buffer::kInput), block(n - 1, Buffer::kOutput)});
    for (int k = n; k < 2 * n - 2; ++k) steps.push_back({Prim::kRecvCopySend, next, prev, {}, block(k, Buffer::kOutput)});
    steps.push_back({Prim::kRecv, kNoPeer, prev, {}, block(2 * n - 2, Buffer::kOutput)});
  });
}

}  // namespace fccl
