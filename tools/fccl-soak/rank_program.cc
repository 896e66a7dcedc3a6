#include "tools/fccl-soak/rank_program.h"

#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <random>
#include <string>

#include "tools/fccl-soak/collective_check.h"
#include "tools/fccl-soak/rank_report.h"

namespace fccl::soak {
namespace {

// Draws the collectives; a different stream of numbers than the plan's own draws.
constexpr uint64_t kOpsStream = 0x6f7073u;

std::string failureText(const std::string& what, fcclResult_t result, fcclComm_t comm) {
  return what + ": " + fcclGetErrorString(result) + ": " + fcclGetLastError(comm);
}

[[noreturn]] void fail(int fd, const RankReport& counters, fcclResult_t result, const std::string& text,
                       fcclComm_t comm) {
  RankReport r = counters;
  r.kind = RankReport::Kind::kFailed;
  r.result = result;
  r.asyncResult = fcclInProgress;  // no communicator to ask
  if (comm) {
    fcclResult_t async = fcclSuccess;
    if (fcclCommGetAsyncError(comm, &async) == fcclSuccess) r.asyncResult = async;
  }
  r.setText(text);
  sendReport(fd, r);
  if (comm) fcclCommAbort(comm);
  _exit(0);
}

fcclComm_t initComm(const fcclUniqueId& id, int nranks, int rank, int timeoutMs, fcclResult_t* result) {
  fcclConfig_t config = FCCL_CONFIG_INITIALIZER;
  config.timeoutMs = timeoutMs;
  fcclComm_t comm = nullptr;
  *result = fcclCommInitRankConfig(&comm, nranks, id, rank, &config);
  return *result == fcclSuccess ? comm : nullptr;
}

}  // namespace

void runRank(const RoundPlan& plan, const fcclUniqueId& id, int rank, int timeoutMs, int fd) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);  // a driver that dies takes its ranks with it
  if (plan.scaleout) setenv("FCCL_TRANSPORT", "scaleout", 1);
  else unsetenv("FCCL_TRANSPORT");
  RankReport counters;
  fcclResult_t result = fcclSuccess;
  fcclComm_t comm = initComm(id, plan.nranks, rank, timeoutMs, &result);
  if (!comm) fail(fd, counters, result, failureText("fcclCommInitRankConfig", result, nullptr), nullptr);
  fcclStream_t stream = nullptr;
  if ((result = fcclStreamCreate(&stream)) != fcclSuccess)
    fail(fd, counters, result, failureText("fcclStreamCreate", result, comm), comm);
  counters.kind = RankReport::Kind::kReady;
  sendReport(fd, counters);

  std::mt19937_64 rng(plan.seed ^ kOpsStream);
  const bool untilFailure = plan.fault != Fault::kNone;
  for (int i = 0; untilFailure || i < plan.operations; ++i) {
    const OpSpec spec = randomOp(rng, plan.nranks);
    const std::string what = "op #" + std::to_string(i) + " " + describe(spec);
    const OpOutcome out = runAndCheck(spec, comm, stream, rank, plan.nranks);
    if (out.result != fcclSuccess) fail(fd, counters, out.result, failureText(what, out.result, comm), comm);
    ++counters.operations;
    counters.bytesChecked += out.bytesChecked;
    if (out.wrongElements > 0) {
      RankReport bad = counters;
      bad.kind = RankReport::Kind::kDataError;
      bad.setText(what + ": " + std::to_string(out.wrongElements) + " wrong, first: " + out.firstWrong);
      sendReport(fd, bad);
    }
    counters.kind = RankReport::Kind::kProgress;
    sendReport(fd, counters);
  }
  if ((result = fcclStreamDestroy(stream)) != fcclSuccess)
    fail(fd, counters, result, failureText("fcclStreamDestroy", result, comm), comm);
  if ((result = fcclCommDestroy(comm)) != fcclSuccess)
    fail(fd, counters, result, failureText("fcclCommDestroy", result, nullptr), nullptr);
  counters.kind = RankReport::Kind::kDone;
  sendReport(fd, counters);
  _exit(0);
}

}  // namespace fccl::soak
