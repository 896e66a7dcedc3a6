#include "perf_moe.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>
#include <tuple>

#include "perf_data.h"
#include "perf_float.h"
#include "perf_report.h"
#include "perf_sizes.h"

namespace fccl::perf {
namespace {

uint64_t mix(uint64_t x) {  // splitmix64's finaliser
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

uint64_t draw(int rank, size_t token, int slot, uint64_t salt) {
  return mix(mix(mix(static_cast<uint64_t>(rank) * 0x632BE59BD9B4E019ull + salt) + token) + static_cast<uint64_t>(slot));
}

float weightOf(int rank, size_t token, int slot) { return static_cast<float>(1 + draw(rank, token, slot, 2) % 4) / 4.0f; }

// Rows of every type as float and back, one type per instantiation so that the loops of the
// weighted sum are as tight as the library's (the comparison is of the exchange, not of this):
// float as is, bfloat16 the top half of a float, half through a table one way and the codec the
// other.
struct F32 {
  static float load(const char* p, size_t i) {
    float v;
    std::memcpy(&v, p + i * 4, 4);
    return v;
  }
  static void store(char* p, size_t i, float v) { std::memcpy(p + i * 4, &v, 4); }
};
struct Bf16 {
  static float load(const char* p, size_t i) {
    uint16_t bits;
    std::memcpy(&bits, p + i * 2, 2);
    const uint32_t word = static_cast<uint32_t>(bits) << 16;
    float v;
    std::memcpy(&v, &word, 4);
    return v;
  }
  static void store(char* p, size_t i, float v) {
    uint32_t word;
    std::memcpy(&word, &v, 4);
    const auto bits = static_cast<uint16_t>((word + 0x7FFFu + ((word >> 16) & 1u)) >> 16);  // to nearest even
    std::memcpy(p + i * 2, &bits, 2);
  }
};
struct Half {
  static float load(const char* p, size_t i) {
    static const std::vector<float> table = [] {
      std::vector<float> t(65536);
      for (uint32_t b = 0; b < 65536; ++b) t[b] = static_cast<float>(decodeMiniFloat(b, kHalfFormat));
      return t;
    }();
    uint16_t bits;
    std::memcpy(&bits, p + i * 2, 2);
    return table[bits];
  }
  static void store(char* p, size_t i, float v) {
    const auto bits = static_cast<uint16_t>(encodeMiniFloat(v, kHalfFormat));
    std::memcpy(p + i * 2, &bits, 2);
  }
};

template <class T>
void weightedSumAs(const MoeBuffers& b, const std::vector<int64_t>& sendRow, const char* rows) {
  std::vector<float> sum(b.hidden);
  const size_t topk = static_cast<size_t>(b.topk), rowBytes = b.rowBytes();
  for (size_t t = 0; t < b.tokens; ++t) {
    std::fill(sum.begin(), sum.end(), 0.0f);
    for (size_t k = 0; k < topk; ++k) {
      const int64_t row = sendRow[t * topk + k];
      if (row < 0) continue;
      const char* in = rows + static_cast<size_t>(row) * rowBytes;
      const float w = b.weights[t * topk + k];
      for (size_t h = 0; h < b.hidden; ++h) sum[h] += w * T::load(in, h);
    }
    char* dst = b.out.data() + t * rowBytes;
    for (size_t h = 0; h < b.hidden; ++h) T::store(dst, h, sum[h]);
  }
}

std::vector<size_t> tokenCounts(const Options& o, size_t typeBytes) {
  if (o.tokens > 0) return {o.tokens};
  std::vector<size_t> tokens;
  for (size_t bytes : sweepSizes(o)) tokens.push_back(bytes / (o.hidden * typeBytes));
  return tokens;
}

// The rows `rank` receives, in order: (source rank, token) per row.
std::vector<std::pair<int, size_t>> expectedRows(const MoeBuffers& b, double skew) {
  std::vector<std::vector<int32_t>> ids;
  for (int src = 0; src < b.nranks; ++src) ids.push_back(moeExpertIds(src, b.tokens, b.topk, b.experts, skew));
  std::vector<std::pair<int, size_t>> rows;
  for (int e = 0; e < b.experts; ++e) {
    if (b.expertToRank[static_cast<size_t>(e)] != b.rank) continue;
    for (int src = 0; src < b.nranks; ++src)
      for (size_t i = 0; i < ids[static_cast<size_t>(src)].size(); ++i)
        if (ids[static_cast<size_t>(src)][i] == e) rows.push_back({src, i / static_cast<size_t>(b.topk)});
  }
  return rows;
}

std::unique_ptr<MoeBuffers> prepare(const Options& o, fcclDataType_t type, size_t tokens, int rank, int nranks) {
  auto b = std::make_unique<MoeBuffers>();
  b->rank = rank;
  b->nranks = nranks;
  b->tokens = tokens;
  b->hidden = o.hidden;
  b->topk = o.topk;
  b->experts = o.experts;
  b->type = type;
  b->expertToRank = moeExpertToRank(o.experts, nranks);
  b->ids = moeExpertIds(rank, tokens, o.topk, o.experts, o.skew);
  for (size_t t = 0; t < tokens; ++t)
    for (int k = 0; k < o.topk; ++k) b->weights.push_back(weightOf(rank, t, k));
  b->input = AlignedBuffer(tokens * b->rowBytes());
  for (size_t t = 0; t < tokens; ++t)
    for (size_t h = 0; h < o.hidden; ++h) storeElement(type, b->input.data(), t * o.hidden + h, moeTokenValue(rank, t, h));
  b->capacity = expectedRows(*b, o.skew).size();
  b->received = AlignedBuffer(b->capacity * b->rowBytes());
  b->out = AlignedBuffer(tokens * b->rowBytes());
  return b;
}

// One more dispatch and combine on poisoned outputs; the elements that are not what they must be.
Outcome verify(const Options& o, MoeRunner& runner, MoeBuffers& b, int64_t& wrong) {
  std::memset(b.received.data(), 0xff, b.received.size());
  std::memset(b.out.data(), 0xff, b.out.size());
  FCCL_PERF_TRY(runner.dispatch(b));
  const auto rows = expectedRows(b, o.skew);
  wrong = 0;
  std::vector<size_t> counts;
  for (int e = 0; e < b.experts; ++e)
    if (b.expertToRank[static_cast<size_t>(e)] == b.rank) {
      size_t n = 0;
      for (int src = 0; src < b.nranks; ++src)
        for (int32_t id : moeExpertIds(src, b.tokens, b.topk, b.experts, o.skew)) n += id == e ? 1 : 0;
      counts.push_back(n);
    }
  if (b.expertCounts.size() < counts.size()) b.expertCounts.resize(counts.size(), ~size_t{0});
  for (size_t l = 0; l < counts.size(); ++l) wrong += b.expertCounts[l] != counts[l] ? 1 : 0;
  for (size_t r = 0; r < rows.size(); ++r)
    for (size_t h = 0; h < b.hidden; ++h)
      if (loadElement(b.type, b.received.data(), r * b.hidden + h) != moeTokenValue(rows[r].first, rows[r].second, h))
        ++wrong;
  FCCL_PERF_TRY(runner.combine(b));
  for (size_t t = 0; t < b.tokens; ++t) {
    double sum = 0;
    for (int k = 0; k < b.topk; ++k) sum += b.weights[t * static_cast<size_t>(b.topk) + static_cast<size_t>(k)];
    for (size_t h = 0; h < b.hidden; ++h)
      if (loadElement(b.type, b.out.data(), t * b.hidden + h) != sum * moeTokenValue(b.rank, t, h)) ++wrong;
  }
  return {};
}

Outcome combineTime(const Options& o, ControlPlane& control, double& seconds) {
  switch (o.average) {
    case 0:
      return {};
    case 1:
      FCCL_PERF_TRY(control.combine(seconds, Combine::kSum));
      seconds /= control.nranks();
      return {};
    case 2:
      return control.combine(seconds, Combine::kMin);
    default:
      return control.combine(seconds, Combine::kMax);
  }
}

template <class Call>
Outcome timeCalls(const Options& o, ControlPlane& control, Call call, double& seconds) {
  FCCL_PERF_TRY(control.barrier());
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < o.iters; ++i) FCCL_PERF_TRY(call());
  seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / o.iters;
  return combineTime(o, control, seconds);
}

void header(std::FILE* out, const std::string& title, const Options& o, int nranks,
            const std::vector<RankRecord>& ranks) {
  if (!out) return;
  std::fprintf(out,
               "# %s: collective moe, nranks %d, hidden %zu topk %d experts %d skew %g, %s, warmup iters: %d iters: %d "
               "validation: %d average: %d\n",
               title.c_str(), nranks, o.hidden, o.topk, o.experts, o.skew,
               o.tokens ? ("tokens " + std::to_string(o.tokens)).c_str() : "tokens = size / (hidden x type size)",
               o.warmupIters, o.iters, o.check ? 1 : 0, o.average);
  std::fprintf(out, "# expert e on rank e * %d / %d; a token's %d experts distinct, expert e picked with weight 1/(e+1)^%g\n",
               nranks, o.experts, o.topk, o.skew);
  std::fprintf(out, "#\n# Using ranks\n");
  for (const auto& r : ranks) std::fprintf(out, "#  Rank %2d Pid %6d on %10s\n", r.rank, r.pid, r.host);
  std::fprintf(out, "#\n# %10s  %10s  %8s  %4s  %7s            dispatch            combine\n", "", "", "", "", "");
  std::fprintf(out, "# %10s  %10s  %8s  %4s  %7s  %9s  %7s  %9s  %7s  %6s\n", "size", "tokens", "type", "topk", "experts",
               "time", "algbw", "time", "algbw", "#wrong");
  std::fprintf(out, "# %10s  %10s  %8s  %4s  %7s  %9s  %7s  %9s  %7s  %6s\n", "(B)", "", "", "", "", "(us)", "(GB/s)",
               "(us)", "(GB/s)", "");
  std::fflush(out);
}

}  // namespace

size_t MoeBuffers::rowBytes() const { return hidden * typeSize(type); }

std::string moeUnsupported(fcclDataType_t t) {
  if (t == fcclFloat32 || t == fcclBfloat16 || t == fcclFloat16) return {};
  return "moe rows are float, bfloat16 or half";
}

std::vector<int32_t> moeExpertToRank(int experts, int nranks) {
  std::vector<int32_t> map;
  for (int e = 0; e < experts; ++e) map.push_back(static_cast<int32_t>(static_cast<int64_t>(e) * nranks / experts));
  return map;
}

std::vector<int32_t> moeExpertIds(int rank, size_t tokens, int topk, int experts, double skew) {
  std::vector<double> weight(static_cast<size_t>(experts));
  for (int e = 0; e < experts; ++e) weight[static_cast<size_t>(e)] = std::pow(e + 1.0, -skew);
  std::vector<int32_t> ids;
  ids.reserve(tokens * static_cast<size_t>(topk));
  std::vector<bool> taken(static_cast<size_t>(experts));
  for (size_t t = 0; t < tokens; ++t) {
    std::fill(taken.begin(), taken.end(), false);
    double left = 0;
    for (double w : weight) left += w;
    for (int k = 0; k < topk; ++k) {  // distinct experts, each drawn by its weight among those left
      double x = static_cast<double>(draw(rank, t, k, 1) >> 11) * 0x1p-53 * left;
      int pick = -1;
      for (int e = 0; e < experts && pick < 0; ++e) {
        if (taken[static_cast<size_t>(e)]) continue;
        if (x < weight[static_cast<size_t>(e)]) pick = e;
        x -= weight[static_cast<size_t>(e)];
      }
      for (int e = experts - 1; pick < 0; --e)  // rounding left x past the end: the last one free
        if (!taken[static_cast<size_t>(e)]) pick = e;
      taken[static_cast<size_t>(pick)] = true;
      left -= weight[static_cast<size_t>(pick)];
      ids.push_back(pick);
    }
  }
  return ids;
}

double moeTokenValue(int rank, size_t token, size_t h) {
  return static_cast<double>(static_cast<int64_t>((static_cast<size_t>(rank) * 31 + token * 7 + h * 3) % 9) - 4);
}

MoePacking moePacking(const MoeBuffers& b) {
  MoePacking p;
  p.rowsPerExpert.assign(static_cast<size_t>(b.experts), 0);
  for (int32_t id : b.ids) ++p.rowsPerExpert[static_cast<size_t>(id)];
  // Destination by destination, each one's experts in increasing order.
  std::vector<uint64_t> next(static_cast<size_t>(b.experts));
  p.rowsTo.assign(static_cast<size_t>(b.nranks), 0);
  uint64_t row = 0;
  for (int dst = 0; dst < b.nranks; ++dst)
    for (int e = 0; e < b.experts; ++e)
      if (b.expertToRank[static_cast<size_t>(e)] == dst) {
        next[static_cast<size_t>(e)] = row;
        row += p.rowsPerExpert[static_cast<size_t>(e)];
        p.rowsTo[static_cast<size_t>(dst)] += p.rowsPerExpert[static_cast<size_t>(e)];
      }
  for (int32_t id : b.ids) p.sendRow.push_back(static_cast<int64_t>(next[static_cast<size_t>(id)]++));
  return p;
}

void moeWeightedSum(const MoeBuffers& b, const std::vector<int64_t>& sendRow, const char* rows) {
  if (b.type == fcclFloat32) weightedSumAs<F32>(b, sendRow, rows);
  else if (b.type == fcclBfloat16) weightedSumAs<Bf16>(b, sendRow, rows);
  else weightedSumAs<Half>(b, sendRow, rows);
}

Outcome runMoeSweep(const Options& o, MoeRunner& runner, ControlPlane& control, std::FILE* out, int64_t& wrong) {
  const int rank = control.rank(), nranks = control.nranks();
  std::vector<RankRecord> ranks;
  FCCL_PERF_TRY(control.gatherRanks(thisRank(rank), ranks));
  std::FILE* printer = rank == 0 ? out : nullptr;
  header(printer, runner.title(), o, nranks, ranks);
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> csv(nullptr, std::fclose);
  if (!o.csvPath.empty() && rank == 0) {
    csv.reset(std::fopen(o.csvPath.c_str(), "w"));
    if (csv) std::fprintf(csv.get(), "collective,nranks,size_bytes,tokens,type,phase,time_us,algbw_GBps,wrong\n");
  }
  wrong = 0;
  double bwSum = 0;
  int rows = 0;
  for (fcclDataType_t type : o.types) {
    if (std::string why = moeUnsupported(type); !why.empty()) {
      if (printer) std::fprintf(printer, "# %s: skipping %s: %s\n", runner.title().c_str(), typeName(type).data(), why.c_str());
      continue;
    }
    for (size_t tokens : tokenCounts(o, typeSize(type))) {
      auto b = prepare(o, type, tokens, rank, nranks);
      for (int i = 0; i < o.warmupIters; ++i) {
        FCCL_PERF_TRY(runner.dispatch(*b));
        FCCL_PERF_TRY(runner.combine(*b));
      }
      double dispatchSeconds = 0, combineSeconds = 0;
      FCCL_PERF_TRY(timeCalls(o, control, [&] { return runner.dispatch(*b); }, dispatchSeconds));
      FCCL_PERF_TRY(timeCalls(o, control, [&] { return runner.combine(*b); }, combineSeconds));
      int64_t rowWrong = -1;
      if (o.check) {
        FCCL_PERF_TRY(verify(o, runner, *b, rowWrong));
        FCCL_PERF_TRY(control.sumInt64(rowWrong));
        wrong += rowWrong;
      }
      const size_t bytes = tokens * b->rowBytes(), moved = bytes * static_cast<size_t>(o.topk);
      const double dispatchBw = algBwGBs(moved, dispatchSeconds), combineBw = algBwGBs(moved, combineSeconds);
      bwSum += dispatchBw + combineBw;
      rows += 2;
      if (printer) {
        std::fprintf(printer, "%12zu  %10zu  %8s  %4d  %7d  %9s  %7.2f  %9s  %7.2f  %6s\n", bytes, tokens,
                     typeName(type).data(), o.topk, o.experts, formatTimeUs(dispatchSeconds * 1e6).c_str(), dispatchBw,
                     formatTimeUs(combineSeconds * 1e6).c_str(), combineBw,
                     rowWrong < 0 ? "N/A" : std::to_string(rowWrong).c_str());
        std::fflush(printer);
      }
      if (csv)
        for (auto [phase, s, bw] : {std::tuple{"dispatch", dispatchSeconds, dispatchBw}, std::tuple{"combine", combineSeconds, combineBw}})
          std::fprintf(csv.get(), "moe,%d,%zu,%zu,%s,%s,%.3f,%.4f,%lld\n", nranks, bytes, tokens, typeName(type).data(),
                       phase, s * 1e6, bw, static_cast<long long>(rowWrong));
    }
  }
  if (printer) {
    std::fprintf(printer, "# Out of bounds values : %lld %s\n", static_cast<long long>(wrong), wrong ? "FAILED" : "OK");
    std::fprintf(printer, "# Avg bus bandwidth    : %g \n#\n", rows ? bwSum / rows : 0.0);
  }
  return {};
}

}  // namespace fccl::perf
