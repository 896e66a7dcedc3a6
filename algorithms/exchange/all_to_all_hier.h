// Hierarchical all-to-all(v) over scale-up domains and rails (all_to_all_hier.cc explains it).
#pragma once

#include <cstddef>

#include "algorithms/common/plan.h"
#include "algorithms/exchange/block_layout.h"
#include "algorithms/hier/hierarchy.h"
#include "common/expected.h"

namespace fccl {

// This rank's plan. `layout` must be the same job-wide blocks on every rank (only the offsets
// are this rank's own), so that every rank derives the same phase boundary. The plan names its
// scratch (Plan::scratchElems, extraBuffer(0)) in the call's elements.
Expected<Plan> hierAllToAllvPlan(const Hierarchy& hierarchy, int rank, const BlockLayout& layout, size_t chunkElems);

}  // namespace fccl
