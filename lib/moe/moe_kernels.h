// The row work of a MoE dispatch and combine on this rank: packing its tokens' rows in routed
// order before they leave, and the weighted sum of the expert outputs that come back. On a real
// accelerator these are two small kernels; here they run on the host, like the host device's
// reductions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/status.h"
#include "fccl/fccl.h"

namespace fccl {

// Row i of `tokens` (rows of `rowBytes`) goes to packed row sendRow[i * topk + k] of `packed`,
// for every slot k routed (sendRow >= 0).
void packRows(const std::byte* tokens, size_t numTokens, size_t topk, size_t rowBytes, std::span<const int64_t> sendRow,
              std::byte* packed);

// out[t] = sum over routed slots k of weights[t * topk + k] * packed[sendRow[t * topk + k]]
// (weights null: 1), in float, rounded once to `type` (float32, bfloat16 or float16).
Status combineRows(const std::byte* packed, const float* weights, std::span<const int64_t> sendRow, size_t numTokens,
                   size_t topk, size_t hidden, fcclDataType_t type, std::byte* out);

// Whether combineRows takes rows of `type`.
bool combinable(fcclDataType_t type);

}  // namespace fccl
