// Reduce-scatter on the multicast object (NVLS): rank r reduces block r from every member in one
// pass, straight into its output.
//
// Zero copy (every member's input mapped): sync (every input is readable), reduce in[r] of all
// -> out, sync (nobody reads an input any more).
//
// Staged (a round puts `len` elements of each of the n blocks in the window):
//   copy    in[m][o, len) -> window[m] for every block m
//   sync                         every member's round is staged
//   reduce  window[r] of all -> out[o, len)
//   sync                         nobody reads my window before I stage the next round
#include "algorithms/nvls/nvls_steps.h"

namespace fccl {

Plan nvlsReduceScatterPlan(const PlanRequest& req) {
  const int n = req.ring.size();
  if (n == 1) return localCopyPlan("nvls", req.count, 1);
  const int r = nvls::selfOf(req);
  const size_t block = req.count;  // elements each rank ends with
  Plan plan = nvls::multicastPlan("nvls");
  auto& steps = plan.channels[0].steps;
  if (req.zeroCopy) {
    nvls::sync(steps);
    nvls::reduce(steps, nvls::in(static_cast<size_t>(r) * block, block), nvls::out(0, block));
    nvls::sync(steps);
    return plan;
  }
  const size_t round = std::max<size_t>(req.windowElems / static_cast<size_t>(n), 1);
  for (size_t o = 0; o < block; o += round) {
    const size_t len = std::min(round, block - o);
    for (int m = 0; m < n; ++m)
      nvls::copy(steps, nvls::in(static_cast<size_t>(m) * block + o, len), nvls::window(static_cast<size_t>(m) * len, len));
    nvls::sync(steps);
    nvls::reduce(steps, nvls::window(static_cast<size_t>(r) * len, len), nvls::out(o, len));
    nvls::sync(steps);
  }
  return plan;
}

}  // namespace fccl
