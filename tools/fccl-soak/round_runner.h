// The driver's side of one soak round: forks the ranks on a fresh unique id, follows their
// reports, injects the plan's fault once every rank is ready, and judges what happened.
//
// A fault is detected when every surviving rank's call returns an error, and its communicator
// reports an async error, within the communicator's timeout + 2 s of the fault. A rank is hung
// when it is still there 3 s after its last report (fcclCommAbort or exit after destroy took that
// long), or while nothing at all happens for the timeout + 5 s; the driver kills it, so a round
// never outlives its ranks' deadlines.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tools/fccl-soak/round_plan.h"

namespace fccl::soak {

struct RoundResult {
  uint64_t operations = 0;    // collectives the communicator completed (the most any rank finished)
  uint64_t bytesChecked = 0;  // output bytes compared with the reference, over all ranks
  bool faultInjected = false;
  bool faultDetected = false;
  double detectSeconds = 0;   // from the fault to the last survivor's error
  int dataErrors = 0;         // calls that returned success with wrong data (per rank)
  int hungRanks = 0;          // ranks the driver had to kill
  int unexpectedFailures = 0; // ranks whose call failed or who died with no fault injected
  std::vector<std::string> problems;  // one line for each of the above that went wrong
};

struct RoundOptions {
  int timeoutMs = 3000;  // the communicator's (fcclConfig_t::timeoutMs)
  int rankLogFd = -1;    // the ranks' stderr (fccl's log) goes here; -1: the driver's stderr
};

RoundResult runRound(const RoundPlan& plan, const RoundOptions& options);

}  // namespace fccl::soak
