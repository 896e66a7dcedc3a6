// All-to-all on the multicast object, zero copy: every member's output is mapped by the others,
// so rank r writes its block for rank j straight into j's output, at r's place there. One copy
// of every byte, no FIFO; the write targets start after r and wrap, so that the ranks spread
// over the members instead of all writing into rank 0 first.
//   sync                       every member has entered the call: its output may be written
//   put  in[j] -> out[r] of j  for j = r+1, r+2, ... (own block: a local copy)
//   sync                       every block has landed
#include "algorithms/nvls/nvls_steps.h"

namespace fccl {

Plan nvlsAllToAllPlan(int rank, int nranks, size_t count) {
  if (nranks == 1) return localCopyPlan("nvls", count, 1);
  Plan plan = nvls::multicastPlan("nvls");
  auto& steps = plan.channels[0].steps;
  const size_t r = static_cast<size_t>(rank), n = static_cast<size_t>(nranks);
  nvls::sync(steps);
  for (size_t k = 1; k <= n; ++k) {
    const size_t j = (r + k) % n;
    if (j == r)
      nvls::copy(steps, nvls::in(j * count, count), nvls::out(r * count, count));
    else
      nvls::put(steps, static_cast<int>(j), nvls::in(j * count, count), nvls::out(r * count, count));
  }
  nvls::sync(steps);
  return plan;
}

}  // namespace fccl
