// Plans for the collectives where every rank talks to its peers directly: all-to-all,
// all-to-allv, and the sends and receives of a group. One channel; every send step comes before
// every receive step, and transfers to one peer follow one another through `lag`, so that no
// round puts more than one chunk into any FIFO. With both, some rank at the lowest round can
// always move (its sends find room, its peers' sends come first in their rounds): any pattern
// of exchanges completes, whatever order the calls were made in.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "algorithms/common/plan.h"
#include "common/expected.h"

namespace fccl {

// One message between this rank and `peer`, as a slice of one of the call's buffers.
struct Transfer {
  int peer;
  Slice slice;
};

struct ExchangeRequest {
  int rank;
  int nranks;
  std::span<const Transfer> sends;  // in the order they were made; per peer, matched in order
  std::span<const Transfer> recvs;
  size_t chunkElems;  // the executor's chunk, in the plan's elements
};

// Transfers to and from this rank itself become local copies, the i-th send to self feeding the
// i-th receive from self; an unmatched one is an error, as are peers out of range.
Expected<Plan> exchangePlan(const ExchangeRequest& req);

// All-to-all: block j (of `count` elements) of the input goes to rank j, block i of the output
// comes from rank i.
Expected<Plan> allToAllPlan(int rank, int nranks, size_t count, size_t chunkElems);

// All-to-allv layouts, in elements, one entry per rank.
struct AllToAllvLayout {
  std::vector<size_t> sendCounts, sendDispls, recvCounts, recvDispls;
};
Expected<Plan> allToAllvPlan(int rank, int nranks, const AllToAllvLayout& layout, size_t chunkElems);

}  // namespace fccl
