// Conversions between float and the low-precision float formats fccl reduces: IEEE binary16
// (fp16), bfloat16, and the two OCP 8-bit formats, FP8 E4M3 ("E4M3FN") and FP8 E5M2. Values are
// stored as their bit patterns (uint16_t / uint8_t) so no compiler extension type is needed.
//
// Formats (sign.exponent.mantissa, exponent bias):
//   fp16  1.5.10 bias 15   IEEE: subnormals, +-inf, NaN; max finite 65504
//   bf16  1.8.7  bias 127  the top half of a float; max finite ~3.39e38
//   e5m2  1.5.2  bias 15   IEEE-like: subnormals, +-inf, NaN; max finite 57344
//   e4m3  1.4.3  bias 7    no infinity; S.1111.111 is NaN, so S.1111.110 = 448 is max finite
//
// float -> low precision rounds to nearest, ties to even, including into the subnormal range.
// Overflow: fp16, bf16 and e5m2 round to +-inf exactly as IEEE does (a value at or above the
// halfway point past the max finite becomes inf). e4m3 has no infinity; it SATURATES: every
// finite value beyond 448 and +-inf become +-448 (the "satfinite" conversion of training stacks
// and of PTX cvt.rn.satfinite), so a large gradient clips instead of becoming NaN.
// NaN stays NaN with its sign; fp16/bf16/e5m2 keep the top payload bits (and set the quiet bit
// only when the kept payload would be zero), so every NaN pattern round-trips through float.
//
// Everything is branch-free integer arithmetic plus one float operation for subnormals, combined
// with mask selects, so a loop over an array of conversions vectorises (see select()). The
// functions are always_inline: a call the inliner declines (it does in large translation units)
// would stop the caller's loop from vectorising.
// Requires the default floating-point environment (round to nearest, no flush-to-zero).
#pragma once

#include <bit>
#include <cstdint>

namespace fccl {
namespace lowp {

// c ? a : b without a branch. A plain ?: whose arm holds a float operation is not if-converted
// by GCC (with -ftrapping-math, the default, it will not speculate an operation that may trap),
// and that branch alone keeps the whole loop from vectorising; a mask select always vectorises.
[[gnu::always_inline]] inline uint32_t select(bool c, uint32_t a, uint32_t b) {
  const uint32_t mask = 0u - static_cast<uint32_t>(c);
  return (a & mask) | (b & ~mask);
}

// A binary float format with `kExpBits` exponent bits and `kManBits` mantissa bits.
// `kSaturate` marks e4m3: no infinity, only the all-ones pattern is NaN, overflow saturates.
template <int kExp, int kMan, bool kSat>
struct Format {
  static constexpr int kExpBits = kExp;
  static constexpr int kManBits = kMan;
  static constexpr bool kSaturate = kSat;
  static constexpr int kBias = (1 << (kExpBits - 1)) - 1;
  static constexpr int kShift = 23 - kManBits;  // float mantissa bits dropped by the encoding
  static constexpr uint32_t kSignBit = 1u << (kExpBits + kManBits);
  static constexpr uint32_t kManMask = (1u << kManBits) - 1;
  static constexpr uint32_t kExpMax = (1u << kExpBits) - 1;
  static constexpr uint32_t kQuietBit = 1u << (kManBits - 1);
  // Float bits of the smallest normal value of the format.
  static constexpr uint32_t kMinNormal = uint32_t(127 + 1 - kBias) << 23;
  // Float bits of the largest magnitude encoded: 448 for e4m3 (saturation); for the others the
  // power of two just past the largest binade, whose encoding is exactly the infinity pattern.
  static constexpr uint32_t kLimit =
      (uint32_t(127 + kExpMax - kBias) << 23) | (kSaturate ? (kManMask - 1) << kShift : 0u);
  // A power of two whose float ulp equals the format's subnormal step: adding it to a value
  // below kMinNormal makes the FPU round to the subnormal grid for us (ties to even).
  static constexpr uint32_t kDenormMagic = uint32_t(127 + 1 - kBias - kManBits + 23) << 23;
};

template <class F>
[[gnu::always_inline]] inline uint32_t encode(float value) {
  const uint32_t bits = std::bit_cast<uint32_t>(value);
  const uint32_t sign = (bits >> 31) << (F::kExpBits + F::kManBits);
  // The magnitude is below 2^31, so it compares as a signed int: one instruction in SSE2.
  const int32_t mag = static_cast<int32_t>(bits & 0x7fffffffu);
  // Clamping first bounds the exponent: above the limit everything encodes as inf (or 448).
  const uint32_t clamped = static_cast<uint32_t>(mag < int32_t(F::kLimit) ? mag : int32_t(F::kLimit));
  // Normal: rebias the exponent, then round to nearest even by adding just under half an ulp
  // plus the lowest kept bit; a carry out of the mantissa correctly bumps the exponent.
  const uint32_t rebias = uint32_t(127 - F::kBias) << 23;
  const uint32_t half = (1u << (F::kShift - 1)) - 1;
  const uint32_t normal = (clamped - rebias + half + ((clamped >> F::kShift) & 1u)) >> F::kShift;
  const float magic = std::bit_cast<float>(F::kDenormMagic);
  const uint32_t subnormal = std::bit_cast<uint32_t>(std::bit_cast<float>(clamped) + magic) - F::kDenormMagic;
  const uint32_t finite = select(int32_t(clamped) < int32_t(F::kMinNormal), subnormal, normal);
  uint32_t nan;
  if constexpr (F::kSaturate) {
    nan = (F::kExpMax << F::kManBits) | F::kManMask;
  } else {
    const uint32_t payload = (uint32_t(mag) >> F::kShift) & F::kManMask;
    nan = (F::kExpMax << F::kManBits) | payload | (payload == 0 ? F::kQuietBit : 0u);
  }
  return sign | select(mag > 0x7f800000, nan, finite);
}

template <class F>
[[gnu::always_inline]] inline float decode(uint32_t code) {
  const uint32_t sign = (code >> (F::kExpBits + F::kManBits)) << 31;
  const uint32_t mag = code & (F::kSignBit - 1);
  const uint32_t exp = mag >> F::kManBits;
  // Normal: shift the fields into place and rebias the exponent. An IEEE-like format's all-ones
  // exponent (inf, NaN with its payload) rebiases onto float's all-ones exponent instead.
  uint32_t rebias = uint32_t(127 - F::kBias) << 23;
  if constexpr (!F::kSaturate) rebias = exp == F::kExpMax ? (255 - F::kExpMax) << 23 : rebias;
  uint32_t normal = (mag << F::kShift) + rebias;
  if constexpr (F::kSaturate) normal = mag == F::kSignBit - 1 ? 0x7fc00000u : normal;  // S.1111.111 is NaN
  // Subnormal (exp == 0, so mag is the mantissa): mag * 2^(1 - bias - manBits), exact in float.
  constexpr float kStep = std::bit_cast<float>(uint32_t(127 + 1 - F::kBias - F::kManBits) << 23);
  const uint32_t subnormal = std::bit_cast<uint32_t>(static_cast<float>(static_cast<int32_t>(mag)) * kStep);
  return std::bit_cast<float>(sign | select(exp == 0, subnormal, normal));
}

using Fp16 = Format<5, 10, false>;
using E5m2 = Format<5, 2, false>;
using E4m3 = Format<4, 3, true>;

}  // namespace lowp

[[gnu::always_inline]] inline uint16_t floatToHalf(float f) {
  return static_cast<uint16_t>(lowp::encode<lowp::Fp16>(f));
}
[[gnu::always_inline]] inline float halfToFloat(uint16_t h) { return lowp::decode<lowp::Fp16>(h); }

// bf16 is the top half of a float, so both directions are a shift; rounding adds just under half
// an ulp plus the lowest kept bit (ties to even), and a carry into the exponent reaches inf.
[[gnu::always_inline]] inline uint16_t floatToBfloat16(float f) {
  const uint32_t bits = std::bit_cast<uint32_t>(f);
  const uint32_t rounded = (bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16;
  const uint32_t top = bits >> 16;
  const uint32_t nan = top | ((top & 0x7fu) == 0 ? 0x40u : 0u);  // keep the payload, stay NaN
  return static_cast<uint16_t>((bits & 0x7fffffffu) > 0x7f800000u ? nan : rounded);
}
[[gnu::always_inline]] inline float bfloat16ToFloat(uint16_t b) { return std::bit_cast<float>(uint32_t(b) << 16); }

[[gnu::always_inline]] inline uint8_t floatToE4m3(float f) { return static_cast<uint8_t>(lowp::encode<lowp::E4m3>(f)); }
[[gnu::always_inline]] inline float e4m3ToFloat(uint8_t v) { return lowp::decode<lowp::E4m3>(v); }

[[gnu::always_inline]] inline uint8_t floatToE5m2(float f) { return static_cast<uint8_t>(lowp::encode<lowp::E5m2>(f)); }
[[gnu::always_inline]] inline float e5m2ToFloat(uint8_t v) { return lowp::decode<lowp::E5m2>(v); }

}  // namespace fccl
