// NVLS calls: the multicast object, made collectively by the first call that uses it (every
// rank's tuner picks alike), then per call the zero-copy agreement and the plan on it.
#include "comm/communicator.h"
#include "common/dtype.h"
#include "common/log.h"
#include "tuner/cost_model.h"

namespace fccl {

Status Communicator::runMulticast(const CollectiveCall& call, const TuneChoice& choice, PlanRequest request,
                                  const std::string& what) {
  waitState_.begin(seq_, what);
  if (!multicast_) {
    waitState_.waiting("setting up the multicast object");
    auto group = MulticastGroup::create(*bootstrap_, rank_, pids_, kMulticastWindowBytes, kOneShotMaxBytes);
    if (!group.isOk()) return failMoving(std::move(group).takeStatus(), what);
    multicast_ = std::move(group).take();
  }
  const size_t elem = typeSize(call.type), n = static_cast<size_t>(nranks_);
  const size_t mine = call.count * elem;
  MulticastGroup::CallBuffers buffers{call.input, mine, call.output, mine, true, true};
  if (call.collective == Collective::kAllGather) buffers = {call.input, mine, call.output, mine * n, false, true};
  if (call.collective == Collective::kReduceScatter) buffers = {call.input, mine * n, call.output, mine, true, false};
  const bool oneShot = choice.algorithm.name == "nvls_oneshot";
  bool zeroCopy = false;
  if (!oneShot && call.count > 0) {
    waitState_.waiting("agreeing on zero copy with every rank");
    auto agreed = multicast_->agreeZeroCopy(buffers, Deadline::afterMs(options_.timeoutMs), options_.timeoutMs, &halt_);
    if (!agreed.isOk()) return failMoving(std::move(agreed).takeStatus(), what);
    zeroCopy = *agreed;
  }
  multicast_->prepare(zeroCopy, oneShot);
  request.zeroCopy = zeroCopy;
  request.windowElems = multicast_->ownStaging().size() / elem;
  const Plan plan = choice.algorithm.plan(request);
  FCCL_TRACE(Subsys::kColl, "%s %s: %s%s on the multicast object (%s)", what.c_str(), std::string(opName(call.op)).c_str(),
             std::string(choice.algorithm.name).c_str(), zeroCopy ? ", zero copy" : ", staged",
             std::string(choice.algorithm.reason).c_str());
  void* staging[1] = {multicast_->ownStaging().data()};
  ExecCall exec{call.input, call.output, call.type, call.op, nranks_, staging, multicast_.get()};
  return execute(plan, exec, Proto::kSimple, choice.chunkBytes, what);
}

}  // namespace fccl
