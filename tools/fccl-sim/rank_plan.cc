#include "tools/fccl-sim/rank_plan.h"

#include "algorithms/exchange/exchange_plan.h"

namespace fccl::sim {

std::vector<ChannelSteps> compactPlan(const Plan& plan) {
  std::vector<ChannelSteps> channels(plan.channels.size());
  for (size_t c = 0; c < plan.channels.size(); ++c) {
    channels[c].reserve(plan.channels[c].steps.size());
    for (const Step& s : plan.channels[c].steps) {
      const size_t elems = primReadsSrc(s.prim) ? s.src.count : s.dst.count;
      if (elems == 0) continue;
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
  const Plan plan = call.algorithm.plan(PlanRequest{call.collective, call.count, call.channels, ring, 0,
                                                    hierarchy.isOk() ? &*hierarchy : nullptr, chunkElems});
  return compactPlan(plan);
}

}  // namespace fccl::sim
