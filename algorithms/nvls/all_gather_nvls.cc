// All-gather on the multicast object (NVLS): rank r stores its block into every member at once.
//
// Zero copy (every member's output mapped): sync (every member has entered the call: its
// output may be written), store in -> out[r] of all, sync (every block has landed).
//
// Staged (a round puts `len` elements of every rank's block in the window, n x len in all):
//   sync                         (first round) every member is done with its window's last call
//   store   in[o, len) -> window[r] of all
//   sync                         every member's round is in every window
//   copy    window[m] -> out[m][o, len) for every member m
//   sync                         nobody stores the next round before every owner copied this one
#include "algorithms/nvls/nvls_steps.h"

namespace fccl {

Plan nvlsAllGatherPlan(const PlanRequest& req) {
  const int n = req.ring.size();
  if (n == 1) return localCopyPlan("nvls", req.count, 1);
  const int r = nvls::selfOf(req);
  const size_t block = req.count;  // elements per rank
  Plan plan = nvls::multicastPlan("nvls");
  auto& steps = plan.channels[0].steps;
  if (req.zeroCopy) {
    nvls::sync(steps);
    nvls::store(steps, nvls::in(0, block), nvls::out(static_cast<size_t>(r) * block, block));
    nvls::sync(steps);
    return plan;
  }
  const size_t round = std::max<size_t>(req.windowElems / static_cast<size_t>(n), 1);
  if (block > 0) nvls::sync(steps);
  for (size_t o = 0; o < block; o += round) {
    const size_t len = std::min(round, block - o);
    nvls::store(steps, nvls::in(o, len), nvls::window(static_cast<size_t>(r) * len, len));
    nvls::sync(steps);
    for (int m = 0; m < n; ++m)
      nvls::copy(steps, nvls::window(static_cast<size_t>(m) * len, len), nvls::out(static_cast<size_t>(m) * block + o, len));
    nvls::sync(steps);
  }
  return plan;
}

}  // namespace fccl
