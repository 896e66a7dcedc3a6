// Argument checks of the collective entry points: each failure names the argument and its value.
#pragma once

#include "comm/communicator.h"
#include "common/status.h"

namespace fccl::api {

// Checks `call` as made on `comm` with `stream`: pointers, counts (and their byte sizes
// overflowing), dtype, op, and buffers that overlap other than in the documented in-place way.
Status checkCall(const CollectiveCall& call, const Communicator& comm, fcclStream_t stream);

}  // namespace fccl::api
