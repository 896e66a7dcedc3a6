#include "tools/fccl-sim/rank_plan.h"

#include "algorithms/exchange/exchange_plan.h"
#include "tuner/cost_model.h"

namespace fccl::sim {

std::vector<ChannelSteps> compactPlan(const Plan& plan) {
  std::vector<ChannelSteps> channels(plan.channels.size());
  for (size_t c = 0; c < plan.channels.size(); ++c) {
    channels[c].reserve(plan.channels[c].steps.size());
    for (const Step& s : plan.channels[c].steps) {
      const size_t elems = primReadsSrc(s.prim) ? s.src.count : s.dst.count;
      // A multicast sync moves nothing but waits for every member: it stays, as one unit.
      if (elems == 0 && s.prim != Prim::kMulticastSync) continue;
      channels[c].push_back(SimStep{elems, s.sendPeer, s.recvPeer, s.lag, s.prim});
    }
    channels[c].shrink_to_fit();
  }
  return channels;
}

Expected<std::vector<ChannelSteps>> planOfRank(const Machine& machine, const CallPlan& call, int rank) {
  const size_t chunkElems = call.chunkBytes / call.elemBytes;
  if (call.collective == Collective::kAllToAll) {
    FCCL_ASSIGN_OR_RETURN(Plan plan, allToAllPlan(rank, machine.nranks(), call.count, chunkElems));
    return compactPlan(plan);
  }
  const Ring ring(machine.ringOrder(), rank);
  auto hierarchy = machine.hierarchyOf(rank);
  PlanRequest request{call.collective, call.count, call.channels, ring, 0, hierarchy.isOk() ? &*hierarchy : nullptr,
                      chunkElems};
  // The multicast plans stage through the window the communicator gives them (lib/comm,
  // comm_multicast.cc): the two-phase window, or a one-shot half.
  request.windowElems = (call.algorithm.name == "nvls_oneshot" ? kOneShotMaxBytes : kMulticastWindowBytes) / call.elemBytes;
  request.zeroCopy = call.zeroCopy;
  const Plan plan = call.algorithm.plan(request);
  return compactPlan(plan);
}

}  // namespace fccl::sim
