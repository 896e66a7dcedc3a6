// Direct or hierarchical all-to-all(v): one small pure function, so that a cost model can take
// the choice over. FCCL_ALGO=direct|hier forces either.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/expected.h"

namespace fccl {

// What the choice looks at in the communicator.
struct ExchangeShape {
  bool hierarchy = false;  // its scale-up domains are even (algorithms/hier/hierarchy.h)
  int domains = 1;
  int perDomain = 1;
};

struct ExchangeChoice {
  std::string_view algorithm;  // "direct" or "hier"
  // hier: the blocks between domains of at most this many bytes go on the rails, larger ones
  // straight to their destination (all_to_all_hier.h); SIZE_MAX: every block.
  size_t railMaxBytes = SIZE_MAX;
  std::string reason;
};

// The exchange algorithms' names, for FCCL_ALGO.
bool isExchangeAlgorithm(std::string_view name);

// Blocks between domains up to this size go on the rails by default. A small block is
// latency-bound: sharing one scale-out message per (domain, rail) pair with the others saves a
// message each. A large one is bandwidth-bound: the second hop only costs its bytes again. On 4
// emulated hosts x 2 ranks in 2 domains (scale-up by shared memory, scale-out over TCP, 8 ranks
// on 2 cores), all of them on the rails took 0.90x the direct time for blocks of 128 B to 2 KiB
// and 1.6-1.9x for blocks of 8 KiB and up (FCCL_ALGO=hier vs direct, 3 runs each).
constexpr size_t kRailMaxBlockBytes = 4 * 1024;

// Whether the hierarchical plan may be chosen at all: forced, or more than one domain of more
// than one rank. `forced` is "", "direct" or "hier".
bool hierarchicalCandidate(std::string_view forced, const ExchangeShape& shape);

// The algorithm for a communicator of `shape`. A forced "hier" on a communicator without a
// hierarchy fails with `noHierarchy`'s reason.
Expected<ExchangeChoice> chooseExchange(std::string_view forced, const ExchangeShape& shape, const Status& noHierarchy);

}  // namespace fccl
