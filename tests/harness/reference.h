// The tests' own view of fccl's data types, written from the formats' definitions and sharing
// no code with the library: decoding any element to double, encoding the small integers the
// tests use as inputs, and the input values of each rank.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "fccl/fccl.h"

namespace fccl::test {

size_t elementBytes(fcclDataType_t type);
bool isFloating(fcclDataType_t type);
bool isUnsigned(fcclDataType_t type);
// Relative spacing of representable values near 1 (2^-mantissa bits); 0 for integers.
double unitRoundoff(fcclDataType_t type);

double decode(fcclDataType_t type, const std::byte* element);
// Stores `value` (which must be exactly representable) in `element`.
void encode(fcclDataType_t type, double value, std::byte* element);

// The input element i of `rank` for a reduction with `op`: small integers, chosen so that the
// reduction over up to 8 ranks is exact in every type (even fp8 e4m3).
double inputValue(fcclDataType_t type, fcclRedOp_t op, int rank, size_t i, int nranks);
// The reduction of inputValue over all ranks, computed in double; avg divides (integers truncate).
double reducedValue(fcclDataType_t type, fcclRedOp_t op, size_t i, int nranks);

// Whether `got` matches `expected` for this type and op: exact, except for fcclAvg on floating
// types where the one rounding of the quotient may differ by half a unit.
bool matches(fcclDataType_t type, fcclRedOp_t op, double got, double expected);

}  // namespace fccl::test
