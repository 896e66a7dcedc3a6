// The half / bfloat16 / fp8 codec against known encodings and round-to-nearest-even.
#include "perf_float.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>

using namespace fccl::perf;

TEST_CASE("known values encode to their standard bit patterns", "[unit][perf]") {
  CHECK(encodeMiniFloat(1.0, kHalfFormat) == 0x3C00);
  CHECK(encodeMiniFloat(-2.0, kHalfFormat) == 0xC000);
  CHECK(encodeMiniFloat(65504.0, kHalfFormat) == 0x7BFF);
  CHECK(encodeMiniFloat(65520.0, kHalfFormat) == 0x7C00);  // rounds past the max: inf
  CHECK(encodeMiniFloat(std::ldexp(1.0, -24), kHalfFormat) == 0x0001);
  CHECK(encodeMiniFloat(-0.0, kHalfFormat) == 0x8000);
  CHECK(encodeMiniFloat(1.0, kBfloat16Format) == 0x3F80);
  CHECK(encodeMiniFloat(3.0, kBfloat16Format) == 0x4040);
  CHECK(encodeMiniFloat(1.0, kFp8E4m3Format) == 0x38);
  CHECK(encodeMiniFloat(448.0, kFp8E4m3Format) == 0x7E);
  CHECK(encodeMiniFloat(464.0, kFp8E4m3Format) == 0x7E);  // tie, to even
  CHECK(encodeMiniFloat(480.0, kFp8E4m3Format) == 0x7F);  // no inf in e4m3: NaN
  CHECK(encodeMiniFloat(std::ldexp(1.0, -9), kFp8E4m3Format) == 0x01);
  CHECK(encodeMiniFloat(1.0, kFp8E5m2Format) == 0x3C);
  CHECK(encodeMiniFloat(57344.0, kFp8E5m2Format) == 0x7B);
  CHECK(encodeMiniFloat(INFINITY, kFp8E5m2Format) == 0x7C);
  CHECK(std::isnan(decodeMiniFloat(encodeMiniFloat(NAN, kHalfFormat), kHalfFormat)));
  CHECK(std::isnan(decodeMiniFloat(0xFF, kFp8E4m3Format)));
  CHECK(std::isnan(decodeMiniFloat(0xFF, kFp8E5m2Format)));
  CHECK(decodeMiniFloat(0x7E, kFp8E4m3Format) == 448.0);
}

TEST_CASE("every finite pattern decodes and encodes back to itself", "[unit][perf]") {
  const struct {
    MiniFloatFormat format;
    int bits;
  } formats[] = {{kHalfFormat, 16}, {kBfloat16Format, 16}, {kFp8E4m3Format, 8}, {kFp8E5m2Format, 8}};
  for (const auto& f : formats)
    for (uint32_t b = 0; b < (1u << f.bits); ++b) {
      const double v = decodeMiniFloat(b, f.format);
      if (std::isnan(v)) continue;
      REQUIRE(encodeMiniFloat(v, f.format) == b);
    }
}

TEST_CASE("ties round to even, other values to nearest", "[unit][perf]") {
  CHECK(encodeMiniFloat(1.0 + std::ldexp(1.0, -11), kHalfFormat) == 0x3C00);      // tie -> even
  CHECK(encodeMiniFloat(1.0 + 3 * std::ldexp(1.0, -11), kHalfFormat) == 0x3C02);  // tie -> even
  CHECK(encodeMiniFloat(1.0 + std::ldexp(1.0, -11) + std::ldexp(1.0, -20), kHalfFormat) == 0x3C01);
  CHECK(encodeMiniFloat(9.0, kFp8E5m2Format) == encodeMiniFloat(8.0, kFp8E5m2Format));
  CHECK(encodeMiniFloat(17.0, kFp8E4m3Format) == encodeMiniFloat(16.0, kFp8E4m3Format));
  // bfloat16 is the top half of a float, rounded to nearest-even.
  for (uint32_t bits = 0x3F800000; bits < 0x3F800000 + 300000; bits += 7) {
    float f;
    std::memcpy(&f, &bits, sizeof(f));
    const uint32_t expected = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16;
    REQUIRE(encodeMiniFloat(f, kBfloat16Format) == expected);
  }
}
