// All-reduce on the multicast object (NVLS). Rank r owns slice r of the buffer: it reduces that
// slice from every member in one pass (the switch's ld_reduce) and stores the result into every
// member at once (multicast store). No ring steps: two syncs a round, whatever the rank count.
//
// Zero copy (every member's input and output mapped):
//   sync                         every member has entered the call: its input is readable
//   reduce  in[r] of all -> out[r]
//   store   out[r] -> out[r] of all
//   sync                         every slice has landed, and nobody reads an input any more
// In place is safe: only rank r reads or writes slice r anywhere.
//
// Staged (the window holds one round of W elements):
//   copy    in[o, W) -> window
//   sync                         every member's round is staged
//   reduce  window[r] of all -> out[o + r]
//   store   out[o + r] -> window[r] of all
//   sync                         every member's window holds the whole result
//   copy    window -> out[o, W), less slice r, which is there already
// A member writes into my window (store) only after the first sync of a round, which I pass
// only once my staging is done, and I copy out before I arrive at the next round's first sync.
//
// One shot (tiny buffers): stage all of it, sync, reduce all of it from every member. The
// window half alternates between calls (the communicator passes it), so staging the next call
// never overwrites what a slow member still reads: to stage into this half again, a rank has
// passed the next call's sync, which every member reaches only after reading this one.
#include "algorithms/nvls/nvls_steps.h"

namespace fccl {

Plan nvlsAllReducePlan(const PlanRequest& req) {
  const int n = req.ring.size();
  if (n == 1) return localCopyPlan("nvls", req.count, 1);
  const int r = nvls::selfOf(req);
  Plan plan = nvls::multicastPlan("nvls");
  auto& steps = plan.channels[0].steps;
  if (req.zeroCopy) {
    const Range mine = partOf(req.count, n, r);
    nvls::sync(steps);
    nvls::reduce(steps, nvls::in(mine.offset, mine.count), nvls::out(mine.offset, mine.count));
    nvls::store(steps, nvls::out(mine.offset, mine.count), nvls::out(mine.offset, mine.count));
    nvls::sync(steps);
    return plan;
  }
  const size_t round = std::max<size_t>(req.windowElems, 1);
  for (size_t o = 0; o < req.count; o += round) {
    const size_t len = std::min(round, req.count - o);
    const Range mine = partOf(len, n, r);
    nvls::copy(steps, nvls::in(o, len), nvls::window(0, len));
    nvls::sync(steps);
    nvls::reduce(steps, nvls::window(mine.offset, mine.count), nvls::out(o + mine.offset, mine.count));
    nvls::store(steps, nvls::out(o + mine.offset, mine.count), nvls::window(mine.offset, mine.count));
    nvls::sync(steps);
    nvls::copy(steps, nvls::window(0, mine.offset), nvls::out(o, mine.offset));
    const size_t after = mine.offset + mine.count;
    nvls::copy(steps, nvls::window(after, len - after), nvls::out(o + after, len - after));
  }
  return plan;
}

Plan nvlsOneShotAllReducePlan(const PlanRequest& req) {
  if (req.ring.size() == 1) return localCopyPlan("nvls_oneshot", req.count, 1);
  Plan plan = nvls::multicastPlan("nvls_oneshot");
  auto& steps = plan.channels[0].steps;
  nvls::copy(steps, nvls::in(0, req.count), nvls::window(0, req.count));
  nvls::sync(steps);
  nvls::reduce(steps, nvls::window(0, req.count), nvls::out(0, req.count));
  return plan;
}

}  // namespace fccl
