// How torch's element types and reduction ops become fccl's.
//
// Reductions need a type fccl computes in: int8, uint8, int32, int64, float16, bfloat16, float32
// and float64 (torch 1.13 has no unsigned 32/64-bit or fp8 tensors). Operations that only move
// data (broadcast, gathers, all-to-all, send/recv) take any element type: what has no fccl type
// travels as its bytes.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/ScalarType.h>

#include <cstddef>
#include <optional>
#include <torch/csrc/distributed/c10d/Types.hpp>

#include "fccl/fccl.h"

namespace fccl::pytorch {

// The fccl type that holds `type` element for element, if there is one.
std::optional<fcclDataType_t> fcclTypeOf(c10::ScalarType type);

// The fccl type a reduction of `tensor` computes in; throws, naming `op` and the type, when fccl
// cannot reduce it (bool, int16, complex, ...).
fcclDataType_t reductionType(const at::Tensor& tensor, const char* op);

// The fccl op for torch's; throws for the bitwise ops and PREMUL_SUM, which fccl lacks.
fcclRedOp_t reductionOp(const c10d::ReduceOp& op, const char* opName);

// How a data-moving operation describes elements of one torch type to fccl: a count of
// `type` per element, that is 1 for a type fccl has and the element size (as bytes) otherwise.
struct WireType {
  fcclDataType_t type;
  size_t perElement;
  size_t count(int64_t elements) const { return static_cast<size_t>(elements) * perElement; }
};
WireType wireTypeOf(c10::ScalarType type);

}  // namespace fccl::pytorch
