#include "perf_float.h"

#include <algorithm>
#include <cmath>

namespace fccl::perf {
namespace {

struct Layout {
  int bias, maxExpField;
  uint32_t expAllOnes, mantMask, signBit, nanBits;
};

Layout layoutOf(const MiniFloatFormat& f) {
  Layout l;
  l.bias = (1 << (f.expBits - 1)) - 1;
  l.expAllOnes = (1u << f.expBits) - 1;
  l.maxExpField = static_cast<int>(f.ieeeSpecials ? l.expAllOnes - 1 : l.expAllOnes);
  l.mantMask = (1u << f.mantBits) - 1;
  l.signBit = 1u << (f.expBits + f.mantBits);
  l.nanBits = (l.expAllOnes << f.mantBits) | l.mantMask;  // quiet NaN in both styles
  return l;
}

}  // namespace

uint32_t encodeMiniFloat(double value, const MiniFloatFormat& f) {
  const Layout l = layoutOf(f);
  const uint32_t sign = std::signbit(value) ? l.signBit : 0;
  if (std::isnan(value)) return l.nanBits;
  const uint32_t overflow = f.ieeeSpecials ? (l.expAllOnes << f.mantBits) : l.nanBits;
  double a = std::fabs(value);
  if (std::isinf(a)) return sign | overflow;
  if (a == 0) return sign;
  // Scale so the quantum (one unit in the last place) at a's binade is 1, then round once.
  // Below the smallest normal binade the quantum stays fixed: that is the subnormal range.
  int e2;
  std::frexp(a, &e2);  // a = m * 2^e2, m in [0.5, 1)
  int exp = std::max(e2 - 1, 1 - l.bias);
  auto mant = static_cast<uint64_t>(std::nearbyint(std::ldexp(a, f.mantBits - exp)));
  if (mant >> (f.mantBits + 1)) {  // rounding carried into the next binade
    mant >>= 1;
    ++exp;
  }
  const bool normal = (mant >> f.mantBits) != 0;
  const int expField = normal ? exp + l.bias : 0;
  if (expField > l.maxExpField) return sign | overflow;
  const uint32_t bits = (static_cast<uint32_t>(expField) << f.mantBits) | (static_cast<uint32_t>(mant) & l.mantMask);
  if (!f.ieeeSpecials && bits == l.nanBits) return sign | overflow;  // e4m3: 480 and up is not finite
  return sign | bits;
}

double decodeMiniFloat(uint32_t bits, const MiniFloatFormat& f) {
  const Layout l = layoutOf(f);
  const double sign = (bits & l.signBit) ? -1.0 : 1.0;
  const uint32_t expField = (bits >> f.mantBits) & l.expAllOnes;
  const uint32_t mant = bits & l.mantMask;
  if (f.ieeeSpecials && expField == l.expAllOnes) return mant ? NAN : sign * INFINITY;
  if (!f.ieeeSpecials && expField == l.expAllOnes && mant == l.mantMask) return NAN;
  if (expField == 0) return sign * std::ldexp(mant, 1 - l.bias - f.mantBits);
  return sign * std::ldexp(mant | (1u << f.mantBits), static_cast<int>(expField) - l.bias - f.mantBits);
}

}  // namespace fccl::perf
