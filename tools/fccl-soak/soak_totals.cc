#include "tools/fccl-soak/soak_totals.h"

#include <algorithm>

namespace fccl::soak {

void SoakTotals::add(const RoundPlan& plan, const RoundResult& r) {
  ++rounds;
  if (plan.scaleout) ++scaleoutRounds;
  ranks += static_cast<uint64_t>(plan.nranks);
  operations += r.operations;
  bytesChecked += r.bytesChecked;
  if (r.faultInjected) ++faultsInjected;
  if (r.faultDetected) {
    ++faultsDetected;
    slowestDetectSeconds = std::max(slowestDetectSeconds, r.detectSeconds);
  }
  dataErrors += r.dataErrors;
  hangs += r.hungRanks;
  if (r.unexpectedFailures > 0) ++unexpectedRounds;
}

void SoakTotals::print(std::FILE* out, double seconds) const {
  std::fprintf(out, "\nfccl-soak: %.0f s, %d rounds (%d shm, %d scaleout), %llu ranks\n", seconds, rounds,
               rounds - scaleoutRounds, scaleoutRounds, static_cast<unsigned long long>(ranks));
  std::fprintf(out, "  %-22s %14s\n", "what", "count");
  auto row = [&](const char* what, unsigned long long n) { std::fprintf(out, "  %-22s %14llu\n", what, n); };
  row("operations", operations);
  row("bytes checked", bytesChecked);
  row("faults injected", static_cast<unsigned long long>(faultsInjected));
  row("faults detected", static_cast<unsigned long long>(faultsDetected));
  row("missed faults", static_cast<unsigned long long>(missedFaults()));
  row("data errors", static_cast<unsigned long long>(dataErrors));
  row("hangs", static_cast<unsigned long long>(hangs));
  row("unexpected errors", static_cast<unsigned long long>(unexpectedRounds));
  std::fprintf(out, "  (%.1f MiB checked; slowest detection %.2f s)\n", static_cast<double>(bytesChecked) / (1 << 20),
               slowestDetectSeconds);
  std::fprintf(out, "fccl-soak: %s\n", clean() ? "PASS" : "FAIL");
}

}  // namespace fccl::soak
