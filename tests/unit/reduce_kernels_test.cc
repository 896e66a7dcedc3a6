// The host reduction kernels against a reference computed here: integers in 64-bit modular
// arithmetic, floats in double, low-precision floats decoded from their bit fields by a decoder
// local to this test, combined in double and rounded once to the nearest code (ties to even).
// Buffers start at odd byte offsets and dst aliases the inputs, as slices of a ring buffer do.
#include "device/reduce_kernels.h"

#include <algorithm>
#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "common/dtype.h"

namespace {

using fccl::Code;
using fccl::Status;

enum class Kind { kSigned, kUnsigned, kFloat32, kFloat64, kLowp };

struct Model {
  size_t bytes;
  Kind kind;
  int expBits = 0, manBits = 0;  // kLowp only
  bool ieee = true;              // kLowp: false for e4m3 (no inf, saturates)
};

Model modelOf(fcclDataType_t t) {
  switch (t) {
    case fcclInt8: return {1, Kind::kSigned};
    case fcclUint8: return {1, Kind::kUnsigned};
    case fcclInt32: return {4, Kind::kSigned};
    case fcclUint32: return {4, Kind::kUnsigned};
    case fcclInt64: return {8, Kind::kSigned};
    case fcclUint64: return {8, Kind::kUnsigned};
    case fcclFloat16: return {2, Kind::kLowp, 5, 10};
    case fcclFloat32: return {4, Kind::kFloat32};
    case fcclFloat64: return {8, Kind::kFloat64};
    case fcclBfloat16: return {2, Kind::kLowp, 8, 7};
    case fcclFloat8e4m3: return {1, Kind::kLowp, 4, 3, false};
    default: return {1, Kind::kLowp, 5, 2};
  }
}

uint64_t mask(const Model& m) { return m.bytes == 8 ? ~0ull : (1ull << (8 * m.bytes)) - 1; }
int64_t asSigned(const Model& m, uint64_t bits) {
  const int shift = 64 - 8 * int(m.bytes);
  return int64_t(bits << shift) >> shift;
}

// --- low-precision formats, from the bit fields -------------------------------------------
uint64_t expMax(const Model& m) { return (1ull << m.expBits) - 1; }
uint64_t signBit(const Model& m) { return 1ull << (m.expBits + m.manBits); }
int bias(const Model& m) { return (1 << (m.expBits - 1)) - 1; }
// The largest finite positive code, and the one after it: inf for IEEE-like formats.
uint64_t maxFinite(const Model& m) {
  return m.ieee ? (expMax(m) << m.manBits) - 1 : (expMax(m) << m.manBits) | ((1ull << m.manBits) - 2);
}

double lowpValue(const Model& m, uint64_t code) {
  const uint64_t exp = (code >> m.manBits) & expMax(m), manBits = code & ((1ull << m.manBits) - 1);
  const double man = std::ldexp(double(manBits), -m.manBits);
  double mag;
  if (exp == expMax(m) && (m.ieee || manBits == (1ull << m.manBits) - 1))
    mag = m.ieee && manBits == 0 ? INFINITY : NAN;
  else if (exp == 0) mag = std::ldexp(man, 1 - bias(m));
  else mag = std::ldexp(1.0 + man, int(exp) - bias(m));
  return (code & signBit(m)) ? -mag : mag;
}

// Positive codes are ordered like their values, so a binary search finds the two neighbours of
// |x|; the nearer wins, a tie goes to the even code. Past the largest finite value IEEE formats
// compete with inf valued 2^(emax+1) (that is IEEE overflow); e4m3 saturates at 448.
uint64_t lowpNearest(const Model& m, double x) {
  if (std::isnan(x)) return (expMax(m) << m.manBits) | ((1ull << m.manBits) - 1);
  const uint64_t sign = std::signbit(x) ? signBit(m) : 0;
  const double mag = std::fabs(x);
  const uint64_t last = m.ieee ? maxFinite(m) + 1 : maxFinite(m);
  auto value = [&](uint64_t c) {
    return m.ieee && c == last ? std::ldexp(1.0, int(expMax(m)) - bias(m)) : lowpValue(m, c);
  };
  if (mag >= value(last)) return sign | last;
  uint64_t lo = 0, hi = last;  // value(lo) <= mag < value(hi)
  while (hi - lo > 1) {
    const uint64_t mid = (lo + hi) / 2;
    (value(mid) <= mag ? lo : hi) = mid;
  }
  const double below = mag - value(lo), above = value(hi) - mag;
  return sign | (below < above || (below == above && lo % 2 == 0) ? lo : hi);
}

// --- reference ----------------------------------------------------------------------------
double toDouble(const Model& m, uint64_t bits) {
  if (m.kind == Kind::kFloat32) return std::bit_cast<float>(uint32_t(bits));
  if (m.kind == Kind::kFloat64) return std::bit_cast<double>(bits);
  return lowpValue(m, bits);
}

uint64_t fromDouble(const Model& m, double v) {
  if (m.kind == Kind::kFloat32) return std::bit_cast<uint32_t>(float(v));
  if (m.kind == Kind::kFloat64) return std::bit_cast<uint64_t>(v);
  return lowpNearest(m, v);
}

uint64_t referenceInt(const Model& m, fcclRedOp_t op, uint64_t x, uint64_t y) {
  const bool isSigned = m.kind == Kind::kSigned;
  const bool xGreater = isSigned ? asSigned(m, x) > asSigned(m, y) : x > y;
  switch (op) {
    case fcclSum: return (x + y) & mask(m);  // modular, as the kernel must wrap
    case fcclProd: return (x * y) & mask(m);
    case fcclMax: return xGreater ? x : y;
    default: return xGreater ? y : x;
  }
}

double referenceFloat(fcclRedOp_t op, double x, double y) {
  if ((op == fcclMax || op == fcclMin) && (std::isnan(x) || std::isnan(y))) return NAN;
  switch (op) {
    case fcclSum: return x + y;
    case fcclProd: return x * y;
    case fcclMax: return std::max(x, y);
    default: return std::min(x, y);
  }
}

uint64_t referenceDivide(const Model& m, uint64_t x, uint32_t divisor) {
  if (m.kind == Kind::kSigned) return uint64_t(asSigned(m, x) / int64_t(divisor)) & mask(m);
  if (m.kind == Kind::kUnsigned) return x / divisor;
  return fromDouble(m, toDouble(m, x) / divisor);
}

// Exact match, with three allowances: any NaN matches NaN; max/min of +0 and -0 may return
// either zero; a low-precision quotient may land on the code next to the nearest one (the
// kernel divides in double then rounds through float: a near-tie may go the other way).
bool matches(const Model& m, uint64_t got, uint64_t want, bool minMax, bool quotient) {
  if (got == want) return true;
  if (m.kind == Kind::kSigned || m.kind == Kind::kUnsigned) return false;
  const double g = toDouble(m, got), w = toDouble(m, want);
  if (std::isnan(w)) return std::isnan(g);
  if (minMax && g == 0 && w == 0) return true;
  const uint64_t magnitude = m.kind == Kind::kLowp ? signBit(m) - 1 : 0;
  return quotient && m.kind == Kind::kLowp && (got & ~magnitude) == (want & ~magnitude) &&
         ((got & magnitude) + 1 == (want & magnitude) || (want & magnitude) + 1 == (got & magnitude));
}

// --- inputs -------------------------------------------------------------------------------
// Values that exercise sign, zeros, wrap-around (integers) and NaN/inf (floats); low-precision
// inputs are uniformly random codes, which covers subnormals, NaNs and infinities.
uint64_t randomElement(const Model& m, std::mt19937_64& rng) {
  const uint64_t r = rng();
  if (m.kind == Kind::kLowp) return r & mask(m);
  if (m.kind == Kind::kSigned || m.kind == Kind::kUnsigned) {
    const uint64_t specials[] = {0, 1, mask(m), mask(m) >> 1, (mask(m) >> 1) + 1};  // 0 1 -1 max min
    return r % 4 == 0 ? specials[(r >> 8) % 5] : (r >> 16) & mask(m);
  }
  const double specials[] = {0.0, -0.0, NAN, INFINITY, -INFINITY, 1e30, -3e-39, 1e300};
  double v = r % 8 == 0 ? specials[(r >> 8) % 8] : std::ldexp(double(int64_t(r >> 11) % 2000001 - 1000000), -10);
  return m.kind == Kind::kFloat32 ? std::bit_cast<uint32_t>(float(v)) : std::bit_cast<uint64_t>(v);
}

uint64_t readElement(const Model& m, const std::byte* p) {
  uint64_t v = 0;
  std::memcpy(&v, p, m.bytes);  // little endian: the low bytes
  return v;
}
void writeElement(const Model& m, std::byte* p, uint64_t v) { std::memcpy(p, &v, m.bytes); }

enum class Layout { kDistinct, kDstIsA, kDstIsB, kAllSame };

struct Case {
  fcclDataType_t type;
  size_t count;
  size_t offsetDst, offsetA, offsetB;  // bytes past a 64-byte aligned start
  Layout layout;
};

// Fills the inputs, runs `kernel(dst, a, b)`, and compares every element with `reference(x, y)`.
template <class Kernel, class Reference>
void runCase(const Case& c, bool minMax, bool quotient, Kernel kernel, Reference reference) {
  const Model m = modelOf(c.type);
  const size_t bytes = c.count * m.bytes + 64;
  std::vector<std::byte> storeDst(bytes + 64), storeA(bytes + 64), storeB(bytes + 64);
  auto aligned = [](std::vector<std::byte>& v) { return v.data() + (64 - uintptr_t(v.data()) % 64) % 64; };
  std::byte* a = aligned(storeA) + c.offsetA;
  std::byte* b = c.layout == Layout::kAllSame ? a : aligned(storeB) + c.offsetB;
  std::byte* dst = c.layout == Layout::kDstIsA || c.layout == Layout::kAllSame ? a
                   : c.layout == Layout::kDstIsB ? b : aligned(storeDst) + c.offsetDst;
  std::mt19937_64 rng(c.type * 1000003 + c.count);
  std::vector<uint64_t> x(c.count), y(c.count);
  for (size_t i = 0; i < c.count; ++i) {
    writeElement(m, a + i * m.bytes, randomElement(m, rng));
    if (b != a) writeElement(m, b + i * m.bytes, randomElement(m, rng));
  }
  for (size_t i = 0; i < c.count; ++i) x[i] = readElement(m, a + i * m.bytes), y[i] = readElement(m, b + i * m.bytes);
  const Status s = kernel(c.count == 0 ? nullptr : dst, a, b);
  REQUIRE(s.isOk());
  for (size_t i = 0; i < c.count; ++i) {
    const uint64_t got = readElement(m, dst + i * m.bytes), want = reference(m, x[i], y[i]);
    INFO("element " << i << " of " << c.count << ": inputs 0x" << std::hex << x[i] << ", 0x" << y[i] << " got 0x"
                    << got << " want 0x" << want);
    REQUIRE(matches(m, got, want, minMax, quotient));
  }
}

Case generateCase() {
  const auto type = fcclDataType_t(GENERATE(range(0, int(fcclNumTypes))));
  const auto count = size_t(GENERATE(0, 1, 7, 33, 1003));
  const auto layout = GENERATE(Layout::kDistinct, Layout::kDstIsA, Layout::kDstIsB, Layout::kAllSame);
  constexpr size_t kOffsets[][3] = {{0, 0, 0}, {1, 3, 0}, {3, 1, 1}};  // dst, a, b
  const auto* offsets = kOffsets[GENERATE(0, 1, 2)];
  return {type, count, offsets[0], offsets[1], offsets[2], layout};
}

}  // namespace

TEST_CASE("reduce matches the reference for every type, op, size, alignment and aliasing",
          "[unit][device][reduce]") {
  const Case c = generateCase();
  const auto op = GENERATE(fcclSum, fcclProd, fcclMax, fcclMin);
  INFO(fccl::typeName(c.type) << " " << fccl::opName(op) << " count " << c.count << " offsets " << c.offsetDst << "/"
                              << c.offsetA << "/" << c.offsetB << " layout " << int(c.layout));
  runCase(
      c, op == fcclMax || op == fcclMin, false,
      [&](void* dst, const void* a, const void* b) { return fccl::reduceKernel(dst, a, b, c.count, c.type, op); },
      [&](const Model& m, uint64_t x, uint64_t y) {
        if (m.kind == Kind::kSigned || m.kind == Kind::kUnsigned) return referenceInt(m, op, x, y);
        return fromDouble(m, referenceFloat(op, toDouble(m, x), toDouble(m, y)));
      });
}

TEST_CASE("divide matches the reference for every type, size and alignment, in and out of place",
          "[unit][device][reduce]") {
  Case c = generateCase();
  if (c.layout == Layout::kDstIsB || c.layout == Layout::kAllSame) c.layout = Layout::kDistinct;
  const auto divisor = uint32_t(GENERATE(1, 3, 8, 1000, 4000000000u));
  INFO(fccl::typeName(c.type) << " / " << divisor << " count " << c.count << " layout " << int(c.layout));
  runCase(
      c, false, true,
      [&](void* dst, const void* a, const void*) { return fccl::divideKernel(dst, a, c.count, c.type, divisor); },
      [&](const Model& m, uint64_t x, uint64_t) { return referenceDivide(m, x, divisor); });
}

TEST_CASE("reduce and divide reject avg, bad types, bad ops, a zero divisor and null buffers",
          "[unit][device][reduce]") {
  float a[4] = {1, 2, 3, 4}, dst[4];
  const Status avg = fccl::reduceKernel(dst, a, a, 4, fcclFloat32, fcclAvg);
  REQUIRE(avg.code() == Code::kInvalidArgument);
  REQUIRE_THAT(avg.message(), Catch::Contains("fcclAvg"));
  // Out-of-range values still inside the enums' value range (reading others is UB in C++).
  REQUIRE(fccl::reduceKernel(dst, a, a, 4, fcclDataType_t(15), fcclSum).code() == Code::kInvalidArgument);
  REQUIRE(fccl::reduceKernel(dst, a, a, 4, fcclFloat32, fcclRedOp_t(7)).code() == Code::kInvalidArgument);
  REQUIRE(fccl::reduceKernel(nullptr, a, a, 4, fcclFloat32, fcclSum).code() == Code::kInvalidArgument);
  REQUIRE(fccl::divideKernel(dst, a, 4, fcclFloat32, 0).code() == Code::kInvalidArgument);
  REQUIRE(fccl::divideKernel(dst, nullptr, 4, fcclFloat32, 2).code() == Code::kInvalidArgument);
  REQUIRE(fccl::reduceKernel(nullptr, nullptr, nullptr, 0, fcclFloat32, fcclSum).isOk());
}
