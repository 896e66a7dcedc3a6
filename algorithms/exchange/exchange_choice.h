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
  std::string reason;
};

// The exchange algorithms' names, for FCCL_ALGO.
bool isExchangeAlgorithm(std::string_view name);

// Below this many bytes sent per rank (the job's mean) the hierarchical plan's second hop costs
// more than the scale-out messages it saves.
constexpr size_t kHierExchangeMinBytes = 64 * 1024;

// Whether the hierarchical plan may be chosen at all: forced, or more than one domain of more
// than one rank. An all-to-allv gathers its counts only then (the choice needs them, agreed on
// by every rank); `forced` is "", "direct" or "hier".
bool hierarchicalCandidate(std::string_view forced, const ExchangeShape& shape);

// The algorithm for a call whose ranks send `bytesPerRank` on average (the same number on every
// rank). A forced "hier" on a communicator without a hierarchy fails with `noHierarchy`'s reason.
Expected<ExchangeChoice> chooseExchange(std::string_view forced, const ExchangeShape& shape, size_t bytesPerRank,
                                        const Status& noHierarchy);

}  // namespace fccl
