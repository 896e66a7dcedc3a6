// Direct or hierarchical all-to-all(v): one small pure function, so that a cost model can take
// the choice over. FCCL_ALGO=direct|hier forces either.
#pragma once

#include <cstddef>
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
  // hier: the blocks between domains of at least this many bytes go on the rails, smaller ones
  // straight to their destination (all_to_all_hier.h); 0: every block.
  size_t railMinBytes = 0;
  std::string reason;
};

// The exchange algorithms' names, for FCCL_ALGO.
bool isExchangeAlgorithm(std::string_view name);

// Blocks between domains from this size up go on the rails by default: below it the second hop
// costs more than the scale-out messages it saves (benchmarks/moe_compare.sh measures both).
constexpr size_t kRailMinBlockBytes = 64 * 1024;

// Whether the hierarchical plan may be chosen at all: forced, or more than one domain of more
// than one rank. `forced` is "", "direct" or "hier".
bool hierarchicalCandidate(std::string_view forced, const ExchangeShape& shape);

// The algorithm for a communicator of `shape`. A forced "hier" on a communicator without a
// hierarchy fails with `noHierarchy`'s reason.
Expected<ExchangeChoice> chooseExchange(std::string_view forced, const ExchangeShape& shape, const Status& noHierarchy);

}  // namespace fccl
