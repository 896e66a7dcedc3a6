#include "tools/fccl-soak/round_plan.h"

#include <random>

namespace fccl::soak {
namespace {

std::string when(const RoundPlan& p) {
  return " after " + std::to_string(p.faultAfterOps) + " ops + " + std::to_string(p.faultAfterMs) + " ms";
}

}  // namespace

RoundPlan planRound(uint64_t seed, const PlanLimits& limits) {
  std::mt19937_64 rng(seed);
  RoundPlan p;
  p.seed = seed;
  p.nranks = 2 + static_cast<int>(rng() % static_cast<uint64_t>(limits.maxRanks - 1));
  p.scaleout = rng() % 2 == 0;
  p.operations = 5 + static_cast<int>(rng() % 36);
  const uint64_t faultDraw = rng() % 10;  // 6 in 10 rounds run clean, 4 lose a rank
  p.fault = faultDraw < 6 ? Fault::kNone : faultDraw < 8 ? Fault::kKill : Fault::kStopThenKill;
  p.victim = static_cast<int>(rng() % static_cast<uint64_t>(p.nranks));
  p.faultAfterMs = static_cast<int>(rng() % 500);
  // Sometimes the kill comes before the timeout would have fired, sometimes after.
  p.stopForMs = 100 + static_cast<int>(rng() % static_cast<uint64_t>(limits.timeoutMs + 1000));
  p.faultAfterOps = static_cast<int>(rng() % 4);
  return p;
}

std::string describe(const RoundPlan& p) {
  std::string text = "seed=" + std::to_string(p.seed) + " ranks=" + std::to_string(p.nranks) +
                     (p.scaleout ? " scaleout" : " shm");
  switch (p.fault) {
    case Fault::kNone: return text + " ops=" + std::to_string(p.operations);
    case Fault::kKill: return text + " kill rank " + std::to_string(p.victim) + when(p);
    case Fault::kStopThenKill:
      return text + " stop rank " + std::to_string(p.victim) + when(p) + ", kill " + std::to_string(p.stopForMs) +
             " ms later";
  }
  return text;
}

}  // namespace fccl::soak
