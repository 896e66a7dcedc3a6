// What one soak round does, drawn from the round's seed alone: how many ranks, over which
// transport, how many collectives (and which: every rank draws them from the same seed), and
// whether and how a rank is made to fail. `fccl-soak --round SEED` replays a round's plan.
#pragma once

#include <cstdint>
#include <string>

namespace fccl::soak {

enum class Fault {
  kNone,
  kKill,         // SIGKILL: the peer's process is gone
  kStopThenKill  // SIGSTOP: the peer is alive but silent (only a timeout can tell), SIGKILL later
};

struct RoundPlan {
  uint64_t seed = 0;
  int nranks = 2;
  bool scaleout = false;  // FCCL_TRANSPORT=scaleout (libfabric net); else the per-hop default (shm)
  int operations = 0;     // collectives of a round without a fault; with one, ranks go on until it
  Fault fault = Fault::kNone;
  int victim = 0;
  int faultAfterOps = 0;  // the fault waits until a rank has finished this many collectives...
  int faultAfterMs = 0;   // ...and then this long (0 collectives: the first one may still be connecting)
  int stopForMs = 0;      // kStopThenKill: SIGKILL this long after SIGSTOP
};

struct PlanLimits {
  int maxRanks = 8;
  int timeoutMs = 3000;  // the communicator's timeout (fcclConfig_t::timeoutMs)
};

RoundPlan planRound(uint64_t seed, const PlanLimits& limits);

// "seed=123 ranks=5 scaleout ops=17" or "... kill rank 3 after 120 ms", for logs and replays.
std::string describe(const RoundPlan& plan);

}  // namespace fccl::soak
