// Conversions between double and the narrow floating types (half, bfloat16, fp8 e4m3 and e5m2),
// so the perf tools can fill and check buffers of every fccl data type without a compiler or
// library that knows them. Values the tools store are small integers and simple fractions, but
// the codec rounds to nearest-even in general so that the tests can hold it to that standard.
#pragma once

#include <cstdint>

namespace fccl::perf {

struct MiniFloatFormat {
  int expBits;
  int mantBits;
  // IEEE-style formats reserve the top exponent for inf/NaN. OCP fp8 e4m3 ("FN") has no inf:
  // the top exponent holds normal numbers and only mantissa 111 is NaN, so its max is 448.
  bool ieeeSpecials;
};

inline constexpr MiniFloatFormat kHalfFormat{5, 10, true};
inline constexpr MiniFloatFormat kBfloat16Format{8, 7, true};
inline constexpr MiniFloatFormat kFp8E4m3Format{4, 3, false};
inline constexpr MiniFloatFormat kFp8E5m2Format{5, 2, true};

// Rounds `value` to nearest-even in `format`; too large becomes inf (e4m3: NaN), NaN stays NaN.
uint32_t encodeMiniFloat(double value, const MiniFloatFormat& format);
// Exact: every value of these formats is a double.
double decodeMiniFloat(uint32_t bits, const MiniFloatFormat& format);

}  // namespace fccl::perf
