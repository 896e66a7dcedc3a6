// One collective call run on the plan simulator: every rank's plan, inputs whose reductions are
// exact and tell every contribution apart, the API's in-place layouts, and a reference result
// computed here, independently of the plans.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "algorithms/algorithms.h"
#include "harness/plan_sim.h"

namespace fccl::test {

struct SimCall {
  Collective collective;
  PlanFn plan;
  int nranks;
  size_t count;  // the API's count (per rank for all-gather and reduce-scatter)
  int channels = 1;
  int root = 0;
  bool inPlace = false;
  // Each rank's scale-up domain, for hierarchical plans (empty: one domain); the ring keeps the
  // natural order, so a domain's ranks must be consecutive.
  std::vector<int> domainOf = {};
};

// Rank r's input element i: 4^r + i * 4^n. Each rank owns a base-4 digit, so a contribution
// counted twice or missed changes the sum; the index above them shows a block put in the wrong
// place. Sums stay exact in double up to 17 ranks and thousands of elements.
double simInput(int rank, size_t i, int nranks);

// Runs the call; the result's error also reports the first output element that differs from
// the reference (fcclAvg when options.average).
SimResult simulateCall(const SimCall& call, const SimOptions& options);

// The ranks of a job, one plan each, as `call` plans them on a natural ring (no buffers), for
// chunks of `chunkElems` (0: unknown).
std::vector<Plan> plansOf(const SimCall& call, size_t chunkElems = 0);

}  // namespace fccl::test
