// One simulated job: a machine, the settings a communicator would read (FCCL_CHUNK_SIZE,
// FCCL_SHM_SLOTS, FCCL_ALGO, FCCL_PROTO, FCCL_NCHANNELS, FCCL_MAX_NCHANNELS, FCCL_TRANSPORT) and
// the tuner the real run would ask, pricing with the figures the real run would have. Each call
// plans every rank with the library's plan functions, starts one actor per rank and channel, and
// runs SimGrid until every channel has walked its plan. SimGrid allows one engine per process,
// so a process holds at most one Simulation.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "comm/comm_options.h"
#include "tools/fccl-sim/multicast.h"
#include "tools/fccl-sim/platform.h"
#include "tools/fccl-sim/rank_plan.h"
#include "tuner/tuner.h"

namespace fccl::sim {

struct SimSettings {
  CommOptions comm;                       // as resolveCommOptions reads the environment
  std::optional<CostParams> tunerFigures;  // what the real run prices with; default: the platform's
};

struct CallResult {
  CallPlan plan;
  double seconds = 0;
  BusiestLink busiest;
  std::vector<uint64_t> sentUp, sentOut;  // per rank, data bytes over each fabric
};

class Simulation {
  struct Key {  // only create() makes one
    explicit Key() = default;
  };

 public:
  static Expected<std::unique_ptr<Simulation>> create(Machine machine, SimSettings settings);
  Simulation(Key, Machine machine, SimSettings settings);
  ~Simulation();

  const Machine& machine() const { return machine_; }
  // The tuner's choice (or the exchange plan's) for a call of nccl-tests' size `bytes`, as
  // fccl-perf makes it: float elements.
  Expected<CallPlan> choose(Collective collective, size_t bytes);
  // Simulates the call; `plan` as choose() made it (tests may change its channels or chunk).
  Expected<CallResult> run(const CallPlan& plan);

  // Runs `body(rank)` as one actor per rank until every one returns; the simulated seconds.
  // What multicast steps do (multicast.h) is priced this way until plans carry them.
  Expected<double> runEach(const std::function<void(int rank)>& body);
  // Domain `d`'s NVLS group, when the platform has one (else nullptr).
  MulticastGroup* multicast(int domain);

 private:
  void makeTuner();

  Machine machine_;
  SimSettings settings_;
  std::unique_ptr<Platform> platform_;
  std::unique_ptr<Tuner> tuner_;
  std::vector<std::unique_ptr<MulticastGroup>> multicast_;
};

}  // namespace fccl::sim
