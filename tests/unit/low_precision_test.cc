// The low-precision conversions against references written from the format definitions alone:
// a decoder that reads the bit fields, and an encoder that searches every code for the nearest
// value (ties to the even code). Nothing here shares code with lib/device/low_precision.h.
#include "device/low_precision.h"

#include <algorithm>
#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace {

using fccl::bfloat16ToFloat;
using fccl::e4m3ToFloat;
using fccl::e5m2ToFloat;
using fccl::floatToBfloat16;
using fccl::floatToE4m3;
using fccl::floatToE5m2;
using fccl::floatToHalf;
using fccl::halfToFloat;

struct Spec {
  const char* name;
  int expBits;
  int manBits;
  bool ieee;  // IEEE-like specials (inf, NaN = all-ones exponent); false for e4m3
  uint32_t (*encode)(float);
  float (*decode)(uint32_t);
  int bits() const { return 1 + expBits + manBits; }
  uint32_t codes() const { return 1u << bits(); }
  uint32_t signBit() const { return 1u << (expBits + manBits); }
  uint32_t expMax() const { return (1u << expBits) - 1; }
  uint32_t infCode() const { return expMax() << manBits; }
  // The largest finite positive code: just below inf, or S.1111.110 for e4m3.
  uint32_t maxFinite() const { return ieee ? infCode() - 1 : (expMax() << manBits) | ((1u << manBits) - 2); }
};

const Spec kFp16{"fp16", 5, 10, true, [](float f) -> uint32_t { return floatToHalf(f); },
                 [](uint32_t c) { return halfToFloat(uint16_t(c)); }};
const Spec kBf16{"bf16", 8, 7, true, [](float f) -> uint32_t { return floatToBfloat16(f); },
                 [](uint32_t c) { return bfloat16ToFloat(uint16_t(c)); }};
const Spec kE4m3{"e4m3", 4, 3, false, [](float f) -> uint32_t { return floatToE4m3(f); },
                 [](uint32_t c) { return e4m3ToFloat(uint8_t(c)); }};
const Spec kE5m2{"e5m2", 5, 2, true, [](float f) -> uint32_t { return floatToE5m2(f); },
                 [](uint32_t c) { return e5m2ToFloat(uint8_t(c)); }};

bool isNanCode(const Spec& s, uint32_t code) {
  const uint32_t exp = (code >> s.manBits) & s.expMax();
  const uint32_t man = code & ((1u << s.manBits) - 1);
  if (s.ieee) return exp == s.expMax() && man != 0;
  return exp == s.expMax() && man == (1u << s.manBits) - 1;
}

// The value the bit fields define: (-1)^s * 2^(e - bias) * 1.m, or 2^(1 - bias) * 0.m when e == 0.
double fieldValue(const Spec& s, uint32_t code) {
  const int bias = (1 << (s.expBits - 1)) - 1;
  const bool negative = code & s.signBit();
  const int exp = int((code >> s.manBits) & s.expMax());
  const double man = double(code & ((1u << s.manBits) - 1)) / double(1u << s.manBits);
  double magnitude;
  if (isNanCode(s, code)) return std::numeric_limits<double>::quiet_NaN();
  if (s.ieee && uint32_t(exp) == s.expMax()) magnitude = std::numeric_limits<double>::infinity();
  else if (exp == 0) magnitude = std::ldexp(man, 1 - bias);
  else magnitude = std::ldexp(1.0 + man, exp - bias);
  return negative ? -magnitude : magnitude;
}

// The magnitude of every positive code up to the largest finite one; for IEEE formats the inf
// code follows, valued 2^(emax + 1): competing as that value is exactly IEEE overflow. e4m3 has
// no such code, so everything beyond 448 lands on 448 (saturation).
std::vector<double> positiveValues(const Spec& s) {
  std::vector<double> values;
  for (uint32_t code = 0; code <= s.maxFinite(); ++code) values.push_back(fieldValue(s, code));
  if (s.ieee) values.push_back(std::ldexp(1.0, int(s.expMax()) - ((1 << (s.expBits - 1)) - 1)));
  return values;
}

// Brute force: the code of x's sign whose value is nearest to x, ties to the even code.
uint32_t nearestCode(const Spec& s, const std::vector<double>& values, double x) {
  const uint32_t sign = std::signbit(x) ? s.signBit() : 0;
  const double mag = std::fabs(x);
  if (std::isinf(mag)) return sign | uint32_t(values.size() - 1);
  uint32_t best = 0;
  double bestDistance = std::numeric_limits<double>::infinity();
  for (uint32_t code = 0; code < values.size(); ++code) {
    const double distance = std::fabs(values[code] - mag);
    if (distance < bestDistance || (distance == bestDistance && (code & 1) == 0)) {
      best = code;
      bestDistance = distance;
    }
  }
  return sign | best;
}

void checkDecodeAndRoundTrip(const Spec& s) {
  for (uint32_t code = 0; code < s.codes(); ++code) {
    const float f = s.decode(code);
    const double want = fieldValue(s, code);
    INFO(s.name << " code 0x" << std::hex << code);
    if (std::isnan(want)) {
      REQUIRE(std::isnan(f));
      REQUIRE(std::signbit(f) == bool(code & s.signBit()));
      REQUIRE(isNanCode(s, s.encode(f)));
    } else {
      REQUIRE(double(f) == want);
      REQUIRE(std::signbit(f) == bool(code & s.signBit()));  // -0 stays -0
    }
    REQUIRE(s.encode(f) == code);  // NaNs too: the payload and sign survive
  }
}

// Floats that stress rounding: every midpoint between neighbouring positive codes, a float ulp
// either side of it, and values around the overflow threshold, all with both signs.
std::vector<float> boundaryFloats(const Spec& s, uint32_t step) {
  std::vector<float> out;
  const uint32_t last = s.maxFinite();
  for (uint32_t code = 0; code < last; code += step) {
    const float mid = float((fieldValue(s, code) + fieldValue(s, code + 1)) / 2);  // exact in float
    for (float f : {mid, std::nextafter(mid, 0.0f), std::nextafter(mid, INFINITY), float(fieldValue(s, code))})
      out.insert(out.end(), {f, -f});
  }
  const double max = fieldValue(s, last), ulp = max - fieldValue(s, last - 1);
  for (double v : {max, max + ulp / 4, max + ulp / 2, max + ulp, max * 2, 1e30, 3.0e38})
    for (float f : {float(v), std::nextafter(float(v), 0.0f), std::nextafter(float(v), INFINITY)})
      out.insert(out.end(), {f, -f});
  for (float f : {0.0f, std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::min(),
                  std::numeric_limits<float>::max(), INFINITY})
    out.insert(out.end(), {f, -f});
  return out;
}

// Random floats spread over the format's exponent range and a little beyond, random mantissas.
std::vector<float> randomFloats(const Spec& s, size_t n) {
  std::mt19937 rng(12345);
  const int bias = (1 << (s.expBits - 1)) - 1;
  const int lo = std::max(1, 127 - bias - s.manBits - 3), hi = std::min(254, 127 + int(s.expMax()) - bias + 2);
  std::uniform_int_distribution<int> exp(lo, hi);
  std::uniform_int_distribution<uint32_t> man(0, (1u << 23) - 1), sign(0, 1);
  std::vector<float> out;
  for (size_t i = 0; i < n; ++i)
    out.push_back(std::bit_cast<float>(sign(rng) << 31 | uint32_t(exp(rng)) << 23 | man(rng)));
  return out;
}

void checkEncodeAgainstBruteForce(const Spec& s, const std::vector<float>& floats) {
  const std::vector<double> values = positiveValues(s);
  for (float f : floats) {
    INFO(s.name << " encoding " << f << " (float bits 0x" << std::hex << std::bit_cast<uint32_t>(f) << ")");
    REQUIRE(s.encode(f) == nearestCode(s, values, f));
  }
}

// The midpoint rule without the search (so every code can be visited for 16-bit formats too):
// a midpoint goes to the even neighbour, a float ulp below it to the lower, above to the upper.
void checkEveryMidpoint(const Spec& s) {
  for (uint32_t code = 0; code < s.maxFinite(); ++code) {
    const float mid = float((fieldValue(s, code) + fieldValue(s, code + 1)) / 2);
    const uint32_t even = (code & 1) == 0 ? code : code + 1;
    INFO(s.name << " midpoint above code 0x" << std::hex << code);
    REQUIRE(s.encode(mid) == even);
    REQUIRE(s.encode(-mid) == (even | s.signBit()));
    REQUIRE(s.encode(std::nextafter(mid, 0.0f)) == code);
    REQUIRE(s.encode(std::nextafter(mid, INFINITY)) == code + 1);
  }
}

}  // namespace

TEST_CASE("every fp16 and bf16 pattern decodes to its field value and round-trips through float",
          "[unit][device][lowp]") {
  checkDecodeAndRoundTrip(kFp16);
  checkDecodeAndRoundTrip(kBf16);
}

TEST_CASE("every fp8 e4m3 and e5m2 pattern decodes to its field value and re-encodes to itself",
          "[unit][device][lowp]") {
  checkDecodeAndRoundTrip(kE4m3);
  checkDecodeAndRoundTrip(kE5m2);
  REQUIRE(e4m3ToFloat(0x7e) == 448.0f);
  REQUIRE(e5m2ToFloat(0x7b) == 57344.0f);
  REQUIRE(std::isinf(e5m2ToFloat(0x7c)));
}

TEST_CASE("fp8 encoding equals the nearest code found by searching all 256", "[unit][device][lowp]") {
  for (const Spec* s : {&kE4m3, &kE5m2}) {
    checkEncodeAgainstBruteForce(*s, boundaryFloats(*s, 1));
    checkEncodeAgainstBruteForce(*s, randomFloats(*s, 20000));
  }
}

TEST_CASE("fp16 and bf16 encoding equals the nearest code found by searching all 65536", "[unit][device][lowp]") {
  for (const Spec* s : {&kFp16, &kBf16}) {
    checkEncodeAgainstBruteForce(*s, boundaryFloats(*s, 97));  // a sample of codes: each search is 64K
    checkEncodeAgainstBruteForce(*s, randomFloats(*s, 1500));
  }
}

TEST_CASE("every midpoint between neighbouring codes rounds to the even code", "[unit][device][lowp]") {
  for (const Spec* s : {&kFp16, &kBf16, &kE4m3, &kE5m2}) checkEveryMidpoint(*s);
}

TEST_CASE("overflow goes to infinity, except e4m3 which saturates at 448", "[unit][device][lowp]") {
  REQUIRE(floatToHalf(65504.0f) == 0x7bff);
  REQUIRE(floatToHalf(65519.99f) == 0x7bff);
  REQUIRE(floatToHalf(65520.0f) == 0x7c00);
  REQUIRE(floatToHalf(-1e9f) == 0xfc00);
  REQUIRE(floatToBfloat16(std::numeric_limits<float>::max()) == 0x7f80);
  REQUIRE(floatToE5m2(61439.0f) == 0x7b);
  REQUIRE(floatToE5m2(61440.0f) == 0x7c);
  REQUIRE(floatToE4m3(448.0f) == 0x7e);
  REQUIRE(floatToE4m3(1e9f) == 0x7e);
  REQUIRE(floatToE4m3(-INFINITY) == 0xfe);
  REQUIRE(floatToE4m3(INFINITY) == 0x7e);
}

TEST_CASE("NaN encodes to a NaN of the same sign", "[unit][device][lowp]") {
  for (uint32_t bits : {0x7fc00000u, 0x7f800001u, 0x7fffffffu, 0xffc00000u, 0xff800001u}) {
    const float nan = std::bit_cast<float>(bits);
    const bool negative = bits >> 31;
    INFO("float bits 0x" << std::hex << bits);
    for (const Spec* s : {&kFp16, &kBf16, &kE4m3, &kE5m2}) {
      const uint32_t code = s->encode(nan);
      REQUIRE(isNanCode(*s, code));
      REQUIRE(bool(code & s->signBit()) == negative);
    }
  }
}
