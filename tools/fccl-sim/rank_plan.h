// What a simulated rank walks: the library's own plan for the call (the tuner's algorithm, or the
// exchange plan of all-to-all), cut down to what timing needs. A step keeps its primitive, peers,
// lag and element count and drops its buffer slices: thousands of ranks with thousands of steps
// each fit in memory, and the walk is still the executor's walk of the same steps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "algorithms/algorithms.h"
#include "common/expected.h"
#include "tools/fccl-sim/machine.h"

namespace fccl::sim {

struct SimStep {
  uint64_t elems;  // the slice the step moves (src for the primitives that read one, else dst)
  int32_t sendPeer;
  int32_t recvPeer;
  uint32_t lag;
  Prim prim;
};

using ChannelSteps = std::vector<SimStep>;

// How the call runs: what the tuner chose (or the exchange plan's fixed choice).
struct CallPlan {
  Collective collective;
  Algorithm algorithm;  // plan is null for all-to-all (the exchange plan)
  Proto proto = Proto::kSimple;
  int channels = 1;
  size_t chunkBytes = 0;
  size_t count = 0;  // the API's count
  size_t elemBytes = 4;
  double predictedUs = 0;  // the cost model's price, when the tuner chose
  bool zeroCopy = false;   // the multicast plans on buffers every rank maps (fcclMemAlloc)
};

// `rank`'s plan, channel by channel; steps that move nothing are left out (the executor skips
// them without waiting).
Expected<std::vector<ChannelSteps>> planOfRank(const Machine& machine, const CallPlan& call, int rank);
// The same steps taken from a plan made elsewhere (tests compare with what the executor runs).
std::vector<ChannelSteps> compactPlan(const Plan& plan);

}  // namespace fccl::sim
