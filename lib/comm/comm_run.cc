// Running calls: the order of tickets, then per call its plan, the optional agreement check
// and the executor. A call that fails before a byte moves (a bad FCCL_ALGO, a mismatch that
// FCCL_CHECK caught) leaves the communicator usable; one that fails while moving breaks it.
#include <string>

#include "comm/call_check.h"
#include "comm/communicator.h"
#include "common/dtype.h"
#include "common/log.h"

namespace fccl {
namespace {

// The size the tuner prices, as nccl-tests reports it: all-gather's output and reduce-scatter's
// input are every rank's share together.
size_t tunedBytes(const CollectiveCall& call, int nranks) {
  const size_t bytes = call.count * typeSize(call.type);
  const bool perRank = call.collective == Collective::kAllGather || call.collective == Collective::kReduceScatter;
  return perRank ? bytes * static_cast<size_t>(nranks) : bytes;
}

bool usesMulticast(std::string_view algorithm) { return algorithm == "nvls" || algorithm == "nvls_oneshot"; }

bool isExchange(Collective c) { return c == Collective::kAllToAll || c == Collective::kAllToAllv; }

}  // namespace

// The turn of `ticket`: `work` runs once the earlier tickets are done, under the op mutex.
template <typename Work>
Status Communicator::runInTurn(uint64_t ticket, Work&& work) {
  Status s = waitReady();
  if (s.isOk()) s = waitTurn(ticket);
  if (s.isOk()) {
    std::lock_guard lock(opMutex_);
    s = work();
  }
  // Explained before the turn ends: once the last turn has ended, a destroy or abort waiting in
  // another thread may free this communicator.
  Status result = explainHalt(std::move(s));
  endTurn(ticket);
  return result;
}

// One call made outside a group, in the caller's thread: no batch to build.
Status Communicator::run(const CollectiveCall& call) {
  return runInTurn(issueTicket(), [&]() -> Status {
    if (abort_) return Status(Code::kAborted, "communicator aborted");
    return runCollective(call, ++seq_);
  });
}

Status Communicator::runBatch(const Batch& batch, uint64_t ticket) {
  return runInTurn(ticket, [&]() -> Status {
    for (const CollectiveCall& call : batch.collectives) {
      if (abort_) return Status(Code::kAborted, "communicator aborted");
      FCCL_TRY(runCollective(call, ++seq_));
    }
    for (const auto& staged : batch.staged) {
      if (abort_) return Status(Code::kAborted, "communicator aborted");
      FCCL_TRY(staged->run(*this, ++seq_));
    }
    if (!batch.pointToPoint.empty()) return runPointToPoint(batch.pointToPoint, ++seq_);
    return Status::ok();
  });
}

void Communicator::traceChoice(const CallLabel& what, fcclRedOp_t op, const TuneChoice& choice) const {
  FCCL_TRACE(Subsys::kColl, "%s %s: %s/%s x%d, chunk %zu B (%s)", what.c_str(), std::string(opName(op)).c_str(),
             std::string(choice.algorithm.name).c_str(), std::string(protoName(choice.proto)).c_str(), choice.channels,
             choice.chunkBytes, std::string(choice.algorithm.reason).c_str());
}

Status Communicator::runCollective(const CollectiveCall& call, uint64_t seq) {
  if (options_.checkCalls) {
    const bool rooted = call.collective == Collective::kBroadcast || call.collective == Collective::kReduce;
    const bool reduces = call.collective == Collective::kAllReduce || call.collective == Collective::kReduce ||
                         call.collective == Collective::kReduceScatter;
    const CallSignature mine{static_cast<uint32_t>(call.collective), call.type, reduces ? call.op : -1,
                             rooted ? call.root : -1, call.collective == Collective::kAllToAllv ? 0 : call.count, seq};
    FCCL_TRY(agreeOnCall(*bootstrap_, rank_, nranks_, mine));
  }
  if (isExchange(call.collective)) return runExchange(call, seq);
  const CallLabel what = labelOf(call, seq);  // it names the call in every message and report
  if (RepeatedCall& last = lastCall_; last.matches(call) && last.planGeneration == plans_.generation()) {
    // The call before this one was the same: its choice and plan stand (both depend only on
    // the call's shape), and the tuner and plan cache need not be asked.
    traceChoice(what, call.op, last.choice);
    return executeWithScratch(last.plan->plan, ExecCall{call.input, call.output, call.type, call.op, nranks_}, what,
                              last.choice.proto, last.choice.chunkBytes, &last.plan->connected);
  }
  std::optional<bool> zeroCopy;
  auto tuned = tuneCall(call, tunedBytes(call, nranks_), what, &zeroCopy);
  if (!tuned.isOk()) {
    if (!hierarchy_ && options_.algorithm.find("hier") != std::string::npos)
      return Status(noHierarchy_).context("FCCL_ALGO=" + options_.algorithm + " for " + what.str());
    return std::move(tuned).takeStatus().context(what.str());
  }
  const TuneChoice choice = *tuned;
  PlanRequest request{call.collective, call.count, choice.channels, *ring_, call.root,
                      hierarchy_ ? &*hierarchy_ : nullptr, choice.chunkBytes / typeSize(call.type)};
  if (usesMulticast(choice.algorithm.name) && nranks_ > 1)
    return runMulticast(call, choice, request, what, zeroCopy);
  CachedPlan& cached = plans_.get(choice.algorithm.plan, request);
  const Plan& plan = cached.plan;
  // Only a choice that asked the ranks nothing (no zero-copy agreement) may be repeated as is.
  if (!zeroCopy)
    lastCall_ = RepeatedCall{call.collective, call.count, call.type, call.root, choice, &cached, plans_.generation()};
  traceChoice(what, call.op, choice);
  return executeWithScratch(plan, ExecCall{call.input, call.output, call.type, call.op, nranks_},
                            what, choice.proto, choice.chunkBytes, &cached.connected);
}

Status Communicator::executeWithScratch(const Plan& plan, ExecCall exec, const CallLabel& what, Proto proto,
                                        size_t chunkBytes, uint32_t* connected) {
  void* scratch[1] = {nullptr};
  if (plan.scratchElems > 0) {
    // Kept between calls and grown only when a call needs more: no allocation per call.
    const size_t bytes = plan.scratchElems * typeSize(exec.type);
    if (scratch_.size() < bytes) scratch_.resize(bytes);
    scratch[0] = scratch_.data();
    exec.extra = scratch;
  }
  return execute(plan, exec, proto, chunkBytes > 0 ? chunkBytes : options_.chunkBytes, what, connected);
}

Status Communicator::runPointToPoint(const std::vector<PointToPointCall>& calls, uint64_t seq) {
  // Calls of a group may mix dtypes: the exchange moves bytes, each call's buffer is its own.
  std::vector<void*> buffers;
  std::vector<Transfer> sends, recvs;
  for (size_t i = 0; i < calls.size(); ++i) {
    const PointToPointCall& c = calls[i];
    buffers.push_back(c.buffer);
    (c.send ? sends : recvs).push_back({c.peer, {extraBuffer(i), 0, c.count * typeSize(c.type)}});
  }
  const CallLabel what = CallLabel::pointToPoint(seq, sends.size(), recvs.size());
  if (options_.checkCalls)
    FCCL_TRY(agreeOnCall(*bootstrap_, rank_, nranks_, CallSignature{kPointToPointKind, 0, -1, -1, 0, seq}));
  auto exchange = exchangePlan({rank_, nranks_, sends, recvs, tuner_->simpleChunkBytes()});
  if (!exchange.isOk()) return std::move(exchange).takeStatus().context(what.str());
  const Plan plan = std::move(exchange).take();
  if (options_.checkCalls) FCCL_TRY(agreeOnTraffic(*bootstrap_, rank_, nranks_, plan, 1, what));
  FCCL_TRACE(Subsys::kColl, "%s: direct exchange", what.c_str());
  return execute(plan, ExecCall{nullptr, nullptr, fcclUint8, fcclSum, nranks_, buffers}, Proto::kSimple,
                 tuner_->simpleChunkBytes(), what);
}

// Moving bytes is where a failure breaks the communicator: peers may be mid-transfer.
Status Communicator::execute(const Plan& plan, const ExecCall& exec, Proto proto, size_t chunkBytes,
                             const CallLabel& what, uint32_t* connected) {
  waitState_.begin(seq_, what, "setting up connections to the plan's peers");
  const uint32_t protoBit = 1u << static_cast<unsigned>(proto);
  Status s;
  if (!connected || !(*connected & protoBit)) {
    s = connections_->ensure(plan, proto);
    if (s.isOk() && connected) *connected |= protoBit;
  }
  if (s.isOk()) {
    const ExecLimits limits{chunkBytes, options_.timeoutMs, &halt_, &waitState_};
    s = runPlan(plan, exec, connections_->links(proto), *device_, limits);
  }
  if (s.isOk()) {
    waitState_.end();
    return s;
  }
  return failMoving(std::move(s), what);
}

Status Communicator::failMoving(Status s, const CallLabel& what) {
  const bool halted = halt_.load();  // by an abort or a peer's failure: not this rank's to tell
  Status failed = explainHalt(std::move(s)).context(what.str());
  breakWith(failed);
  if (!halted) raiseAlarm(failed);
  waitState_.end();
  return failed;
}

}  // namespace fccl
