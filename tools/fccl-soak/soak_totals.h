// The counts of a soak run, summed over its rounds, and the table the run ends with.
#pragma once

#include <cstdint>
#include <cstdio>

#include "tools/fccl-soak/round_plan.h"
#include "tools/fccl-soak/round_runner.h"

namespace fccl::soak {

struct SoakTotals {
  int rounds = 0;
  int scaleoutRounds = 0;
  uint64_t ranks = 0;
  uint64_t operations = 0;
  uint64_t bytesChecked = 0;
  int faultsInjected = 0;
  int faultsDetected = 0;
  double slowestDetectSeconds = 0;
  int dataErrors = 0;
  int hangs = 0;
  int unexpectedRounds = 0;  // rounds where a call failed, or a rank died, with no fault injected

  void add(const RoundPlan& plan, const RoundResult& result);
  int missedFaults() const { return faultsInjected - faultsDetected; }
  bool clean() const { return dataErrors == 0 && hangs == 0 && missedFaults() == 0 && unexpectedRounds == 0; }
  void print(std::FILE* out, double seconds) const;
};

}  // namespace fccl::soak
