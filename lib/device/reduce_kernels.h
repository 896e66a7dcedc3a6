// CPU reduction kernels of the host device: the arithmetic at the heart of every reducing
// collective (all-reduce, reduce-scatter, reduce), for every fcclDataType_t.
//
// Contract shared by both kernels:
// - Pointers need no alignment beyond the byte: elements are read and written with memcpy, so a
//   slice that starts at any offset of a receive buffer is fine.
// - dst may alias an input exactly (in place); no other overlap is allowed.
// - count == 0 does nothing and accepts null pointers.
// - Integers wrap modulo 2^bits on sum and prod. Floats follow IEEE; max/min return NaN when
//   either input is NaN (a NaN gradient must not silently disappear in a reduction).
// - fp16, bf16 and fp8 are decoded to float, combined in float and rounded back to nearest even
//   once per element (low_precision.h; e4m3 saturates at +-448 instead of overflowing).
// Both are thread-safe (no state) and return kInvalidArgument for a bad type, op, divisor or a
// null pointer with count > 0.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/status.h"
#include "fccl/fccl.h"

namespace fccl {

// dst[i] = a[i] op b[i] for i < count. op is fcclSum, fcclProd, fcclMax or fcclMin; fcclAvg is
// not an op here (kInvalidArgument): an average reduces with fcclSum and ends with divideKernel.
Status reduceKernel(void* dst, const void* a, const void* b, size_t count, fcclDataType_t type, fcclRedOp_t op);

// dst[i] = src[i] / divisor for i < count; divisor > 0. Integers divide with truncation toward
// zero; floats divide in double and round once to the element type (through float for the
// low-precision types). dst may alias src exactly.
Status divideKernel(void* dst, const void* src, size_t count, fcclDataType_t type, uint32_t divisor);

}  // namespace fccl
