// The host device's multicast calls (fccl_device.h 1.2): what a scale-up switch does in the
// fabric, done here with loads and stores over the members' mapped buffers.
//  - multicastReduce walks the buffer in blocks small enough to stay in the core's cache: each
//    block of dst is made from the first two members, then every further member is folded in,
//    so each source is read once and dst written once from memory, not n-1 times.
//  - multicastStore copies src to every destination.
//  - multicastReduceStore (1.3) does both in one pass: each block is reduced in L1 and written
//    to every destination, so nothing is read back.
//  - Large results go to memory with non-temporal stores (streaming_copy.h).
#pragma once

#include <cstddef>

#include "common/status.h"
#include "fccl/fccl.h"

namespace fccl {

Status multicastReduceKernel(void* dst, const void* const* srcs, int nsrcs, size_t count, fcclDataType_t type,
                             fcclRedOp_t op);
Status multicastStoreKernel(void* const* dsts, int ndsts, const void* src, size_t bytes);
Status multicastReduceStoreKernel(void* const* dsts, int ndsts, const void* const* srcs, int nsrcs, size_t count,
                                  fcclDataType_t type, fcclRedOp_t op);

}  // namespace fccl
