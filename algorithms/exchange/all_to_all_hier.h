// Hierarchical all-to-all(v) over scale-up domains and rails (all_to_all_hier.cc explains it).
#pragma once

#include <cstddef>

#include "algorithms/common/plan.h"
#include "algorithms/exchange/block_layout.h"
#include "algorithms/hier/hierarchy.h"
#include "common/expected.h"

namespace fccl {

// A hierarchical exchange is two plans, run one after the other: `first` to its end, then
// `rails`. They share one scratch buffer (extraBuffer(0), scratchElems elements of the call's
// type, the same in both): `first` fills the messages that `rails` sends.
struct HierPlans {
  Plan first;
  Plan rails;
};

// Whether a block of `elems` elements between two domains travels on its rail (aggregated) or
// straight to its destination. Sender, forwarder and receiver each decide from the size alone,
// so they agree without asking each other.
inline bool onRail(size_t elems, size_t railMaxElems) { return elems > 0 && elems <= railMaxElems; }

// This rank's plans. `layout` must hold the blocks this rank sends and receives, and those its
// domain sends to this rank's rail peers (what it forwards: from (a, k) to (b, i) for every
// local index k and domain b); the others are not read. Blocks between domains of at most
// `railMaxElems` elements go on the rails (SIZE_MAX: all of them), larger ones straight.
Expected<HierPlans> hierAllToAllvPlans(const Hierarchy& hierarchy, int rank, const BlockLayout& layout,
                                       size_t railMaxElems, size_t chunkElems);

}  // namespace fccl
