// Argument checks of the call entry points: each failure names the argument and its value.
// Nothing here blocks or talks to peers; calls that must agree across ranks are compared by
// FCCL_CHECK (comm/call_check.h).
#pragma once

#include <cstddef>

#include "comm/communicator.h"
#include "common/status.h"

namespace fccl::api {

// Checks `call` as made on `comm`: pointers, counts (and their byte sizes overflowing), dtype,
// op, root, all-to-allv layouts, and buffers that overlap other than in the documented
// in-place way.
Status checkCall(const CollectiveCall& call, const Communicator& comm);
Status checkPointToPoint(const PointToPointCall& call, const Communicator& comm);

// Copies an all-to-allv layout out of the caller's arrays, checking them.
Expected<std::shared_ptr<const AllToAllvLayout>> readLayout(const size_t* sendcounts, const size_t* sdispls,
                                                             const size_t* recvcounts, const size_t* rdispls,
                                                             int nranks);

}  // namespace fccl::api
