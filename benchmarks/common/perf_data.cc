#include "perf_data.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include "perf_float.h"
#include "perf_sizes.h"

namespace fccl::perf {
namespace {

constexpr int kWindow = 4;    // ranks that contribute to one element of sum, avg and prod
constexpr int kMaxInput = 8;  // inputs are 0..8: exact even in fp8 e5m2

uint64_t mix(int rank, size_t index) {  // splitmix64's finaliser over (rank, index)
  uint64_t x = index * 0x9E3779B97F4A7C15ull + (static_cast<uint64_t>(rank) + 1) * 0xD1B54A32D192ED03ull;
  x ^= x >> 31;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 29;
  return x;
}

int windowSize(int nranks) { return std::min(nranks, kWindow); }

// The window of element `index` starts at rank index % n and wraps, so every rank contributes
// to a share of every block whatever the collective does with the indices.
bool inWindow(int rank, size_t index, int nranks) {
  const int first = static_cast<int>(index % static_cast<size_t>(nranks));
  return (rank - first + nranks) % nranks < windowSize(nranks);
}

const MiniFloatFormat* miniFormat(fcclDataType_t t) {
  switch (t) {
    case fcclFloat16:
      return &kHalfFormat;
    case fcclBfloat16:
      return &kBfloat16Format;
    case fcclFloat8e4m3:
      return &kFp8E4m3Format;
    case fcclFloat8e5m2:
      return &kFp8E5m2Format;
    default:
      return nullptr;
  }
}

// Decoding 2-byte and 1-byte floats through a table keeps checking 64 MiB buffers quick.
std::vector<double> buildTable(const MiniFloatFormat& f, int bits) {
  std::vector<double> table(size_t{1} << bits);
  for (size_t i = 0; i < table.size(); ++i) table[i] = decodeMiniFloat(static_cast<uint32_t>(i), f);
  return table;
}

const double* decodeTable(fcclDataType_t t) {
  static const auto half = buildTable(kHalfFormat, 16), bf16 = buildTable(kBfloat16Format, 16),
                    e4m3 = buildTable(kFp8E4m3Format, 8), e5m2 = buildTable(kFp8E5m2Format, 8);
  switch (t) {
    case fcclFloat16:
      return half.data();
    case fcclBfloat16:
      return bf16.data();
    case fcclFloat8e4m3:
      return e4m3.data();
    default:
      return e5m2.data();
  }
}

// Calls visit(i, value) for elements [0, count), decoding each as the type says.
template <class Visit>
void forEachElement(fcclDataType_t t, const void* buffer, size_t count, Visit&& visit) {
  auto scan = [&](auto tag, auto decode) {
    const auto* p = static_cast<const decltype(tag)*>(buffer);
    for (size_t i = 0; i < count; ++i) visit(i, decode(p[i]));
  };
  auto cast = [](auto x) { return static_cast<double>(x); };
  switch (t) {
    case fcclInt8:
      return scan(int8_t{}, cast);
    case fcclUint8:
      return scan(uint8_t{}, cast);
    case fcclInt32:
      return scan(int32_t{}, cast);
    case fcclUint32:
      return scan(uint32_t{}, cast);
    case fcclInt64:
      return scan(int64_t{}, cast);
    case fcclUint64:
      return scan(uint64_t{}, cast);
    case fcclFloat32:
      return scan(float{}, cast);
    case fcclFloat64:
      return scan(double{}, cast);
    case fcclFloat16:
    case fcclBfloat16: {
      const double* table = decodeTable(t);
      return scan(uint16_t{}, [table](uint16_t b) { return table[b]; });
    }
    case fcclFloat8e4m3:
    case fcclFloat8e5m2: {
      const double* table = decodeTable(t);
      return scan(uint8_t{}, [table](uint8_t b) { return table[b]; });
    }
    default:
      return;
  }
}

template <class Word>
void fillWords(const DataSpec& s, int rank, void* buffer, size_t count) {
  Word patterns[kMaxInput + 1];
  for (int v = 0; v <= kMaxInput; ++v) storeElement(s.type, &patterns[v], 0, v);
  auto* out = static_cast<Word*>(buffer);
  for (size_t i = 0; i < count; ++i) out[i] = patterns[inputValue(s, rank, i)];
}

// Where each element of `rank`'s alltoallv result comes from: block b, from rank b, starts at
// element recvDispls[b] and holds rank b's input from the start of b's block for `rank` on.
class AllToAllvSources {
 public:
  AllToAllvSources(const DataSpec& s, int rank, size_t c)
      : starts_(allToAllvBlocks(c, s.skew, s.nranks, rank).recvDispls), senderOffsets_(starts_.size(), 0) {
    for (int b = 0; b < s.nranks; ++b)
      for (int j = 0; j < rank; ++j) senderOffsets_[b] += allToAllvCount(c, s.skew, b, j, s.nranks);
  }
  // (sender, index into its input) of result element `index`, which must lie in a block. Blocks
  // are packed, so the last one starting at or before `index` holds it (an empty one never does).
  std::pair<int, size_t> operator()(size_t index) const {
    const auto b = static_cast<size_t>(std::upper_bound(starts_.begin(), starts_.end(), index) - starts_.begin()) - 1;
    return {static_cast<int>(b), senderOffsets_[b] + (index - starts_[b])};
  }

 private:
  std::vector<size_t> starts_;
  std::vector<size_t> senderOffsets_;
};

}  // namespace

int inputValue(const DataSpec& s, int rank, size_t index) {
  const uint64_t h = mix(rank, index);
  if (!hasReduction(s.coll)) return static_cast<int>(h % (kMaxInput + 1));
  switch (s.op) {
    case fcclSum:
    case fcclAvg:
      return inWindow(rank, index, s.nranks) ? 1 + static_cast<int>(h & 1) : 0;
    case fcclProd:
      return inWindow(rank, index, s.nranks) ? 1 + static_cast<int>(h & 1) : 1;
    default:
      return static_cast<int>(h % (kMaxInput + 1));
  }
}

double reducedValue(const DataSpec& s, size_t index) {
  const int n = s.nranks;
  const int first = static_cast<int>(index % static_cast<size_t>(n));
  double acc = s.op == fcclProd ? 1 : 0;
  switch (s.op) {
    case fcclSum:
    case fcclAvg:
    case fcclProd:  // only the window differs from the identity
      for (int k = 0; k < windowSize(n); ++k) {
        const int v = inputValue(s, (first + k) % n, index);
        acc = s.op == fcclProd ? acc * v : acc + v;
      }
      if (s.op == fcclAvg) acc = isFloatType(s.type) ? acc / n : std::floor(acc / n);
      return acc;
    case fcclMax:
    case fcclMin:
      acc = inputValue(s, 0, index);
      for (int r = 1; r < n; ++r) {
        const double v = inputValue(s, r, index);
        acc = s.op == fcclMax ? std::max(acc, v) : std::min(acc, v);
      }
      return acc;
    default:
      return NAN;
  }
}

double expectedOutput(const DataSpec& s, int rank, size_t index, size_t paramCount) {
  const size_t r = static_cast<size_t>(rank);
  switch (s.coll) {
    case Collective::kAllReduce:
    case Collective::kReduce:  // only the root's result is checked
      return reducedValue(s, index);
    case Collective::kBroadcast:
      return inputValue(s, s.root, index);
    case Collective::kReduceScatter:
      return reducedValue(s, r * paramCount + index);
    case Collective::kAllGather:  // block b of the result is rank b's whole input
      return inputValue(s, static_cast<int>(index / paramCount), index % paramCount);
    case Collective::kAllToAll:  // block b is what rank b sent to us: block `rank` of its input
      return inputValue(s, static_cast<int>(index / paramCount), r * paramCount + index % paramCount);
    case Collective::kAllToAllv: {
      const auto [sender, at] = AllToAllvSources(s, rank, paramCount)(index);
      return inputValue(s, sender, at);
    }
    case Collective::kSendRecv:  // the whole input of the rank before us
      return inputValue(s, (rank + s.nranks - 1) % s.nranks, index);
    case Collective::kMoe:  // checked by its own sweep (perf_moe.cc)
      break;
  }
  return NAN;
}

double tolerance(const DataSpec& s, double expected) {
  const int n = s.nranks;
  const bool powerOfTwo = (n & (n - 1)) == 0;
  if (!hasReduction(s.coll) || s.op != fcclAvg || !isFloatType(s.type) || powerOfTwo) return 0;
  // Rounding 1/n, each scaled input and each of the < kWindow partial sums costs at most 6
  // relative half-ulps (2^-(m+1)) in all; allow 8 of them, plus a few of the subnormal spacing,
  // where the error stops shrinking with the value.
  const int m = mantissaBits(s.type);
  const MiniFloatFormat* f = miniFormat(s.type);
  const double subnormal = f ? std::ldexp(1.0, 2 - (1 << (f->expBits - 1)) - m) : 0.0;
  return std::ldexp(std::fabs(expected), 2 - m) + kWindow * subnormal;
}

double loadElement(fcclDataType_t t, const void* buffer, size_t index) {
  double value = NAN;
  const char* base = static_cast<const char*>(buffer) + index * typeSize(t);
  forEachElement(t, base, 1, [&](size_t, double v) { value = v; });
  return value;
}

void storeElement(fcclDataType_t t, void* buffer, size_t index, double value) {
  char* p = static_cast<char*>(buffer) + index * typeSize(t);
  auto put = [p](auto v) { std::memcpy(p, &v, sizeof(v)); };
  switch (t) {
    case fcclInt8:
      return put(static_cast<int8_t>(value));
    case fcclUint8:
      return put(static_cast<uint8_t>(value));
    case fcclInt32:
      return put(static_cast<int32_t>(value));
    case fcclUint32:
      return put(static_cast<uint32_t>(value));
    case fcclInt64:
      return put(static_cast<int64_t>(value));
    case fcclUint64:
      return put(static_cast<uint64_t>(value));
    case fcclFloat32:
      return put(static_cast<float>(value));
    case fcclFloat64:
      return put(value);
    case fcclFloat16:
    case fcclBfloat16:
      return put(static_cast<uint16_t>(encodeMiniFloat(value, *miniFormat(t))));
    case fcclFloat8e4m3:
    case fcclFloat8e5m2:
      return put(static_cast<uint8_t>(encodeMiniFloat(value, *miniFormat(t))));
    default:
      return;
  }
}

void fillInput(const DataSpec& s, int rank, void* buffer, size_t count) {
  switch (typeSize(s.type)) {
    case 1:
      return fillWords<uint8_t>(s, rank, buffer, count);
    case 2:
      return fillWords<uint16_t>(s, rank, buffer, count);
    case 4:
      return fillWords<uint32_t>(s, rank, buffer, count);
    case 8:
      return fillWords<uint64_t>(s, rank, buffer, count);
    default:
      return;
  }
}

size_t countWrong(const DataSpec& s, int rank, const void* result, size_t count, size_t paramCount) {
  if (s.coll == Collective::kReduce && rank != s.root) return 0;
  size_t wrong = 0;
  auto compare = [&](auto expectedAt) {
    forEachElement(s.type, result, count, [&](size_t i, double got) {
      const double expected = expectedAt(i);
      if (!(std::fabs(got - expected) <= tolerance(s, expected))) ++wrong;  // NaN counts as wrong
    });
  };
  if (s.coll == Collective::kAllToAllv) {  // the blocks once, not per element
    const AllToAllvSources sources(s, rank, paramCount);
    compare([&](size_t i) {
      const auto [sender, at] = sources(i);
      return static_cast<double>(inputValue(s, sender, at));
    });
  } else {
    compare([&](size_t i) { return expectedOutput(s, rank, i, paramCount); });
  }
  return wrong;
}

}  // namespace fccl::perf
