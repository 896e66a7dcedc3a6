// NVLS calls: the multicast object, made collectively by the first call that uses it (every
// rank's tuner picks alike), then per call the zero-copy agreement and the plan on it.
#include "comm/communicator.h"
#include "common/dtype.h"
#include "common/log.h"
#include "tuner/cost_model.h"

namespace fccl {

namespace {

// A call's buffers as the multicast object needs them: which ones the members reach into.
MulticastGroup::CallBuffers buffersOf(const CollectiveCall& call, int nranks) {
  const size_t mine = call.count * typeSize(call.type), n = static_cast<size_t>(nranks);
  if (call.collective == Collective::kAllGather) return {call.input, mine, call.output, mine * n, false, true};
  if (call.collective == Collective::kReduceScatter) return {call.input, mine * n, call.output, mine, true, false};
  return {call.input, mine, call.output, mine, true, true};
}

// What every member of a call on the multicast object must agree on. Not the sequence number:
// ranks that took part in different point-to-point groups count their calls differently.
uint64_t callDigest(const CollectiveCall& call, std::string_view algorithm) {
  uint64_t h = 0xcbf29ce484222325ull;
  auto mix = [&](uint64_t v) {
    h ^= v;
    h *= 0x100000001b3ull;
  };
  mix(static_cast<uint64_t>(call.collective));
  mix(call.count);
  mix(static_cast<uint64_t>(call.type));
  mix(static_cast<uint64_t>(call.op));
  for (char c : algorithm) mix(static_cast<unsigned char>(c));
  return h;
}

// After the ranks found a buffer that not every rank can share, this many eligible calls go by
// before they ask again: an application that does not use fcclMemAlloc pays the question's sync
// rarely, one that does is seen again soon.
constexpr uint32_t kZeroCopyPause = 64;

}  // namespace

Status Communicator::ensureMulticast(const CallLabel& what) {
  if (multicast_) return Status::ok();
  waitState_.begin(seq_, what);
  waitState_.waiting("setting up the multicast object");
  auto group = MulticastGroup::create(*bootstrap_, rank_, pids_, kMulticastWindowBytes, kOneShotMaxBytes);
  if (!group.isOk()) return failMoving(std::move(group).takeStatus(), what);
  multicast_ = std::move(group).take();
  waitState_.end();
  return Status::ok();
}

Expected<TuneChoice> Communicator::tuneCall(const CollectiveCall& call, size_t bytes, const CallLabel& what,
                                            std::optional<bool>* zeroCopy) {
  auto staged = tuner_->choose(call.collective, bytes);
  const bool eligible = tuner_->shape().multicast && nranks_ > 1 && call.count > 0 && bytes > kOneShotMaxBytes;
  if (!eligible) return staged;
  *zeroCopy = false;  // unless the ranks agree below: nobody asks again for this call
  if (zeroCopyPaused()) return staged;
  auto mapped = tuner_->choose(call.collective, bytes, true);
  if (!mapped.isOk() || mapped->algorithm.name != "nvls" || (staged.isOk() && staged->predictedUs <= mapped->predictedUs))
    return staged;
  // Every rank got here alike (same figures, same call, same pause): all of them ask.
  FCCL_ASSIGN_OR_RETURN(bool agreed, askZeroCopy(call, buffersOf(call, nranks_), what,
                                                 "buffers can be mapped (fcclMemAlloc); staged algorithms"));
  *zeroCopy = agreed;
  return agreed ? mapped : staged;
}

bool Communicator::zeroCopyPaused() {
  if (zeroCopyPause_ == 0) return false;
  --zeroCopyPause_;
  return true;
}

Expected<bool> Communicator::askZeroCopy(const CollectiveCall& call, const MulticastGroup::CallBuffers& buffers,
                                         const CallLabel& what, const char* otherwise) {
  FCCL_TRY(ensureMulticast(what));
  multicast_->setCall(callDigest(call, "zero copy?"), what);
  waitState_.begin(seq_, what);
  waitState_.waiting("agreeing on zero copy with every rank");
  auto agreed = multicast_->agreeZeroCopy(buffers, Deadline::afterMs(options_.timeoutMs), options_.timeoutMs, &halt_);
  if (!agreed.isOk()) return failMoving(std::move(agreed).takeStatus(), what);
  waitState_.end();
  if (!*agreed) {
    zeroCopyPause_ = kZeroCopyPause;
    FCCL_INFO(Subsys::kTune, "%s: not every rank's %s for the next %u calls", what.c_str(), otherwise, kZeroCopyPause);
  }
  return *agreed;
}

Expected<bool> Communicator::tryZeroCopyAllToAll(const CollectiveCall& call, const CallLabel& what) {
  const size_t elem = typeSize(call.type), n = static_cast<size_t>(nranks_), bytes = call.count * elem * n;
  // Only where zero copy can pay for its agreement, and never for all-to-allv: a sender does not
  // know where in the receiver's output its block goes.
  // In place a rank would overwrite the block a peer has yet to read from the same buffer.
  const bool eligible = call.collective == Collective::kAllToAll && tuner_->shape().multicast && nranks_ > 1 &&
                        call.count > 0 && bytes > kOneShotMaxBytes && call.input != call.output;
  if (!eligible || zeroCopyPaused()) return false;
  const MulticastGroup::CallBuffers buffers{call.input, bytes, call.output, bytes, false, true};
  FCCL_ASSIGN_OR_RETURN(bool agreed, askZeroCopy(call, buffers, what, "output can be mapped (fcclMemAlloc); FIFOs"));
  if (!agreed) return false;
  multicast_->setCall(callDigest(call, "nvls"), what);
  waitState_.begin(seq_, what);
  multicast_->prepare(true, false);
  const Plan plan = nvlsAllToAllPlan(rank_, nranks_, call.count);
  FCCL_TRACE(Subsys::kColl, "%s: direct, zero copy into every rank's output on the multicast object", what.c_str());
  ExecCall exec{call.input, call.output, call.type, call.op, nranks_, {}, multicast_.get()};
  FCCL_TRY(execute(plan, exec, Proto::kSimple, options_.chunkBytes, what));
  return true;
}

Status Communicator::runMulticast(const CollectiveCall& call, const TuneChoice& choice, PlanRequest request,
                                  const CallLabel& what, std::optional<bool> zeroCopy) {
  FCCL_TRY(ensureMulticast(what));
  multicast_->setCall(callDigest(call, choice.algorithm.name), what);
  waitState_.begin(seq_, what);
  const size_t elem = typeSize(call.type);
  const bool oneShot = choice.algorithm.name == "nvls_oneshot";
  if (!zeroCopy) {
    zeroCopy = false;
    if (!oneShot && call.count > 0) {
      waitState_.waiting("agreeing on zero copy with every rank");
      auto agreed = multicast_->agreeZeroCopy(buffersOf(call, nranks_), Deadline::afterMs(options_.timeoutMs),
                                              options_.timeoutMs, &halt_);
      if (!agreed.isOk()) return failMoving(std::move(agreed).takeStatus(), what);
      zeroCopy = *agreed;
    }
  }
  multicast_->prepare(*zeroCopy, oneShot);
  request.zeroCopy = *zeroCopy;
  request.windowElems = multicast_->ownStaging().size() / elem;
  CachedPlan& cached = plans_.get(choice.algorithm.plan, request);
  const Plan& plan = cached.plan;
  FCCL_TRACE(Subsys::kColl, "%s %s: %s%s on the multicast object (%s)", what.c_str(), std::string(opName(call.op)).c_str(),
             std::string(choice.algorithm.name).c_str(), *zeroCopy ? ", zero copy" : ", staged",
             std::string(choice.algorithm.reason).c_str());
  void* staging[1] = {multicast_->ownStaging().data()};
  ExecCall exec{call.input, call.output, call.type, call.op, nranks_, staging, multicast_.get()};
  return execute(plan, exec, Proto::kSimple, choice.chunkBytes, what, &cached.connected);
}

}  // namespace fccl
