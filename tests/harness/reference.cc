#include "harness/reference.h"

#include <cmath>
#include <cstring>
#include <map>
#include <stdexcept>

namespace fccl::test {
namespace {

// A binary floating format with `expBits` exponent and `manBits` mantissa bits. `ieeeSpecials`
// says whether the all-ones exponent means inf/NaN (fp16, bf16, e5m2) or, as in e4m3, only the
// all-ones pattern is NaN and the rest are normal numbers.
double decodeFloat(uint32_t bits, int expBits, int manBits, bool ieeeSpecials) {
  const uint32_t sign = bits >> (expBits + manBits);
  const uint32_t exp = (bits >> manBits) & ((1u << expBits) - 1);
  const uint32_t man = bits & ((1u << manBits) - 1);
  const int bias = (1 << (expBits - 1)) - 1;
  const uint32_t expMax = (1u << expBits) - 1;
  double v;
  if (ieeeSpecials && exp == expMax) v = man ? NAN : INFINITY;
  else if (!ieeeSpecials && exp == expMax && man == (1u << manBits) - 1) v = NAN;
  else if (exp == 0) v = std::ldexp(static_cast<double>(man), 1 - bias - manBits);
  else v = std::ldexp(static_cast<double>(man | (1u << manBits)), static_cast<int>(exp) - bias - manBits);
  return sign ? -v : v;
}

struct Format {
  int expBits, manBits;
  bool ieee;
  int totalBits() const { return 1 + expBits + manBits; }
};

Format formatOf(fcclDataType_t t) {
  switch (t) {
    case fcclFloat16: return {5, 10, true};
    case fcclBfloat16: return {8, 7, true};
    case fcclFloat8e4m3: return {4, 3, false};
    case fcclFloat8e5m2: return {5, 2, true};
    default: throw std::logic_error("not a small float");
  }
}

// Small integers to their codes, by searching every code: slow once, obviously right.
uint32_t codeOf(fcclDataType_t t, double value) {
  static std::map<std::pair<int, double>, uint32_t> cache;
  auto key = std::make_pair(static_cast<int>(t), value);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  const Format f = formatOf(t);
  for (uint32_t code = 0; code < (1u << f.totalBits()); ++code)
    if (decodeFloat(code, f.expBits, f.manBits, f.ieee) == value && !(value == 0 && code != 0)) {
      cache[key] = code;
      return code;
    }
  throw std::logic_error("value not representable");
}

template <class T>
T load(const std::byte* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}
template <class T>
void store(std::byte* p, T v) {
  std::memcpy(p, &v, sizeof(T));
}

}  // namespace

size_t elementBytes(fcclDataType_t t) {
  switch (t) {
    case fcclInt8: case fcclUint8: case fcclFloat8e4m3: case fcclFloat8e5m2: return 1;
    case fcclFloat16: case fcclBfloat16: return 2;
    case fcclInt32: case fcclUint32: case fcclFloat32: return 4;
    default: return 8;
  }
}

bool isFloating(fcclDataType_t t) {
  return t == fcclFloat16 || t == fcclFloat32 || t == fcclFloat64 || t == fcclBfloat16 || t == fcclFloat8e4m3 ||
         t == fcclFloat8e5m2;
}
bool isUnsigned(fcclDataType_t t) { return t == fcclUint8 || t == fcclUint32 || t == fcclUint64; }

double unitRoundoff(fcclDataType_t t) {
  switch (t) {
    case fcclFloat16: return std::ldexp(1.0, -10);
    case fcclBfloat16: return std::ldexp(1.0, -7);
    case fcclFloat8e4m3: return std::ldexp(1.0, -3);
    case fcclFloat8e5m2: return std::ldexp(1.0, -2);
    case fcclFloat32: return std::ldexp(1.0, -23);
    case fcclFloat64: return std::ldexp(1.0, -52);
    default: return 0;
  }
}

double decode(fcclDataType_t t, const std::byte* e) {
  switch (t) {
    case fcclInt8: return load<int8_t>(e);
    case fcclUint8: return load<uint8_t>(e);
    case fcclInt32: return load<int32_t>(e);
    case fcclUint32: return load<uint32_t>(e);
    case fcclInt64: return static_cast<double>(load<int64_t>(e));
    case fcclUint64: return static_cast<double>(load<uint64_t>(e));
    case fcclFloat32: return load<float>(e);
    case fcclFloat64: return load<double>(e);
    case fcclFloat16: case fcclBfloat16: {
      const Format f = formatOf(t);
      return decodeFloat(load<uint16_t>(e), f.expBits, f.manBits, f.ieee);
    }
    case fcclFloat8e4m3: case fcclFloat8e5m2: {
      const Format f = formatOf(t);
      return decodeFloat(load<uint8_t>(e), f.expBits, f.manBits, f.ieee);
    }
    default: throw std::logic_error("bad type");
  }
}

void encode(fcclDataType_t t, double v, std::byte* e) {
  switch (t) {
    case fcclInt8: store<int8_t>(e, static_cast<int8_t>(v)); return;
    case fcclUint8: store<uint8_t>(e, static_cast<uint8_t>(v)); return;
    case fcclInt32: store<int32_t>(e, static_cast<int32_t>(v)); return;
    case fcclUint32: store<uint32_t>(e, static_cast<uint32_t>(v)); return;
    case fcclInt64: store<int64_t>(e, static_cast<int64_t>(v)); return;
    case fcclUint64: store<uint64_t>(e, static_cast<uint64_t>(v)); return;
    case fcclFloat32: store<float>(e, static_cast<float>(v)); return;
    case fcclFloat64: store<double>(e, v); return;
    case fcclFloat16: case fcclBfloat16: store<uint16_t>(e, static_cast<uint16_t>(codeOf(t, v))); return;
    case fcclFloat8e4m3: case fcclFloat8e5m2: store<uint8_t>(e, static_cast<uint8_t>(codeOf(t, v))); return;
    default: throw std::logic_error("bad type");
  }
}

double inputValue(fcclDataType_t t, fcclRedOp_t op, int rank, size_t i, int nranks) {
  const size_t r = static_cast<size_t>(rank);
  switch (op) {
    case fcclSum: case fcclAvg:
      // fp8 e5m2 holds integers exactly only up to 8: keep every partial sum of 8 ranks there.
      if (t == fcclFloat8e4m3 || t == fcclFloat8e5m2) return static_cast<double>((r * 7 + i * 13) % 3) - 1;
      return isUnsigned(t) ? static_cast<double>((r * 7 + i * 13) % 3) : static_cast<double>((r * 7 + i * 13) % 5) - 2;
    case fcclProd: {
      // One rank per element contributes a 2 (every third element), the rest +-1: |product| <= 2.
      if (i % 3 == 0 && i % static_cast<size_t>(nranks) == r) return 2;
      return (isUnsigned(t) || (r + i) % 4 != 0) ? 1 : -1;
    }
    case fcclMax: case fcclMin:
      return isUnsigned(t) ? static_cast<double>((r * 5 + i * 11) % 17) : static_cast<double>((r * 5 + i * 11) % 17) - 8;
    default: throw std::logic_error("bad op");
  }
}

double reducedValue(fcclDataType_t t, fcclRedOp_t op, size_t i, int nranks) {
  double acc = inputValue(t, op, 0, i, nranks);
  for (int r = 1; r < nranks; ++r) {
    const double v = inputValue(t, op, r, i, nranks);
    switch (op) {
      case fcclSum: case fcclAvg: acc += v; break;
      case fcclProd: acc *= v; break;
      case fcclMax: acc = std::max(acc, v); break;
      case fcclMin: acc = std::min(acc, v); break;
      default: break;
    }
  }
  if (op == fcclAvg) acc = isFloating(t) ? acc / nranks : std::trunc(acc / nranks);
  return acc;
}

bool matches(fcclDataType_t t, fcclRedOp_t op, double got, double expected) {
  if (got == expected) return true;
  if (op != fcclAvg || !isFloating(t)) return false;
  return std::fabs(got - expected) <= unitRoundoff(t) * std::max(std::fabs(expected), 1.0);
}

}  // namespace fccl::test
