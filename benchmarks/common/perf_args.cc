#include "perf_args.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

namespace fccl::perf {
namespace {

enum class Flag {
  kMinBytes,
  kMaxBytes,
  kStepFactor,
  kStepBytes,
  kIters,
  kWarmup,
  kCheck,
  kType,
  kOp,
  kAverage,
  kRoot,
  kSkew,
  kRegister,
  kCalibrate,
  kTokens,
  kHidden,
  kTopk,
  kExperts,
  kCsv,
  kHelp
};

struct FlagSpec {
  Flag flag;
  char shortName;  // 0: long form only
  std::string_view longName;
  bool takesValue;
};

constexpr FlagSpec kFlags[] = {
    {Flag::kMinBytes, 'b', "minbytes", true},
    {Flag::kMaxBytes, 'e', "maxbytes", true},
    {Flag::kStepFactor, 'f', "stepfactor", true},
    {Flag::kStepBytes, 'i', "stepbytes", true},
    {Flag::kIters, 'n', "iters", true},
    {Flag::kWarmup, 'w', "warmup_iters", true},
    {Flag::kCheck, 'c', "check", true},
    {Flag::kType, 'd', "datatype", true},
    {Flag::kOp, 'o', "op", true},
    {Flag::kAverage, 'a', "average", true},
    {Flag::kRoot, 'r', "root", true},
    {Flag::kSkew, 'k', "skew", true},
    {Flag::kRegister, 'R', "local_register", true},
    {Flag::kTokens, 0, "tokens", true},
    {Flag::kHidden, 0, "hidden", true},
    {Flag::kTopk, 0, "topk", true},
    {Flag::kExperts, 0, "experts", true},
    {Flag::kCsv, 0, "csv", true},
    {Flag::kCalibrate, 0, "calibrate", true},
    {Flag::kHelp, 'h', "help", false},
};

std::optional<long long> parseInt(std::string_view text, long long lo, long long hi) {
  long long v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < lo || v > hi) return std::nullopt;
  return v;
}

std::string badValue(const FlagSpec& spec, std::string_view value, std::string_view expected) {
  return "invalid value '" + std::string(value) + "' for --" + std::string(spec.longName) + ": expected " +
         std::string(expected);
}

template <class T, class ParseOne>
std::optional<std::vector<T>> parseListOrAll(std::string_view value, int count, ParseOne parseOne) {
  if (value == "all") {
    std::vector<T> all;
    for (int i = 0; i < count; ++i) all.push_back(static_cast<T>(i));
    return all;
  }
  if (auto one = parseOne(value)) return std::vector<T>{*one};
  return std::nullopt;
}

std::string applySize(const FlagSpec& spec, std::string_view value, Options& o) {
  auto v = parseSize(value);
  if (!v) return badValue(spec, value, "a byte count such as 8, 64K, 1M or 2G");
  (spec.flag == Flag::kMinBytes ? o.minBytes : spec.flag == Flag::kMaxBytes ? o.maxBytes : o.stepBytes) = *v;
  return {};
}

// A finite number >= 0 such as 0, 1 or 0.5 (fixed format: no exponent; from_chars reads inf and nan).
std::string applySkew(const FlagSpec& spec, std::string_view value, Options& o) {
  double v = -1;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v, std::chars_format::fixed);
  if (ec != std::errc() || end != value.data() + value.size() || !(v >= 0) || !std::isfinite(v))
    return badValue(spec, value, "a number >= 0 such as 0, 1 or 0.5");
  o.skew = v;
  return {};
}

// The flags that take an integer: the accepted range, and where the value goes.
struct IntFlag {
  Flag flag;
  long long lo, hi;
  std::string_view expected;
  void (*set)(Options&, long long);
};

constexpr long long kIntMax = std::numeric_limits<int>::max();
constexpr IntFlag kIntFlags[] = {
    {Flag::kStepFactor, 1, 1 << 20, "an integer >= 1",
     [](Options& o, long long v) { o.stepFactor = static_cast<size_t>(v); }},
    {Flag::kIters, 1, kIntMax, "an integer >= 1", [](Options& o, long long v) { o.iters = static_cast<int>(v); }},
    {Flag::kWarmup, 0, kIntMax, "an integer >= 0",
     [](Options& o, long long v) { o.warmupIters = static_cast<int>(v); }},
    {Flag::kCheck, 0, 1, "0 or 1", [](Options& o, long long v) { o.check = v != 0; }},
    {Flag::kAverage, 0, 3, "0 (rank 0), 1 (mean), 2 (min) or 3 (max)",
     [](Options& o, long long v) { o.average = static_cast<int>(v); }},
    {Flag::kRoot, 0, kIntMax, "a rank >= 0", [](Options& o, long long v) { o.root = static_cast<int>(v); }},
    {Flag::kRegister, 0, 1, "0 or 1", [](Options& o, long long v) { o.registerBuffers = v != 0; }},
    {Flag::kTokens, 0, 1ll << 40, "a number of tokens >= 0",
     [](Options& o, long long v) { o.tokens = static_cast<size_t>(v); }},
    {Flag::kHidden, 1, 1ll << 30, "an integer >= 1", [](Options& o, long long v) { o.hidden = static_cast<size_t>(v); }},
    {Flag::kTopk, 1, 1024, "an integer from 1 to 1024", [](Options& o, long long v) { o.topk = static_cast<int>(v); }},
    {Flag::kExperts, 1, 1 << 20, "an integer >= 1", [](Options& o, long long v) { o.experts = static_cast<int>(v); }},
};

std::string applyInt(const FlagSpec& spec, std::string_view value, Options& o) {
  for (const IntFlag& f : kIntFlags) {
    if (f.flag != spec.flag) continue;
    auto v = parseInt(value, f.lo, f.hi);
    if (!v) return badValue(spec, value, f.expected);
    f.set(o, *v);
    return {};
  }
  return "internal: --" + std::string(spec.longName) + " has no integer range";
}

// Applies one flag's value to `o`; returns the error text, empty when it was accepted.
std::string apply(const FlagSpec& spec, std::string_view value, Options& o) {
  switch (spec.flag) {
    case Flag::kMinBytes:
    case Flag::kMaxBytes:
    case Flag::kStepBytes:
      return applySize(spec, value, o);
    case Flag::kSkew:
      return applySkew(spec, value, o);
    case Flag::kType:
      if (auto types = parseListOrAll<fcclDataType_t>(value, fcclNumTypes, parseType)) {
        o.types = *types;
        return {};
      }
      return badValue(spec, value,
                      "int8 uint8 int32 uint32 int64 uint64 half float double bfloat16 fp8e4m3 "
                      "fp8e5m2 or all");
    case Flag::kOp:
      if (auto ops = parseListOrAll<fcclRedOp_t>(value, fcclNumOps, parseOp)) {
        o.ops = *ops;
        return {};
      }
      return badValue(spec, value, "sum, prod, max, min, avg or all");
    case Flag::kCsv:
    case Flag::kCalibrate:
      if (value.empty()) return badValue(spec, value, "a file name");
      (spec.flag == Flag::kCsv ? o.csvPath : o.calibratePath) = value;
      return {};
    case Flag::kHelp:
      o.help = true;
      return {};
    default:
      return applyInt(spec, value, o);
  }
}

const FlagSpec* findShort(char c) {
  for (const auto& f : kFlags)
    if (f.shortName == c) return &f;
  return nullptr;
}

const FlagSpec* findLong(std::string_view name) {
  for (const auto& f : kFlags)
    if (f.longName == name) return &f;
  return nullptr;
}

std::string checkConsistency(const Options& o) {
  if (o.minBytes > o.maxBytes)
    return "--minbytes (" + std::to_string(o.minBytes) + ") is larger than --maxbytes (" + std::to_string(o.maxBytes) +
           ")";
  if (o.stepFactor <= 1 && o.stepBytes == 0) return "--stepbytes must be > 0 when --stepfactor is 1";
  if (o.collective == Collective::kMoe && o.topk > o.experts)
    return "--topk (" + std::to_string(o.topk) + ") is larger than --experts (" + std::to_string(o.experts) +
           "): a token picks distinct experts";
  return {};
}

}  // namespace

std::optional<size_t> parseSize(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double multiplier = 1;
  const char unit = static_cast<char>(std::toupper(static_cast<unsigned char>(text.back())));
  if (const size_t power = std::string_view("KMG").find(unit); power != std::string_view::npos) {
    multiplier = std::ldexp(1.0, 10 * static_cast<int>(power + 1));
    text.remove_suffix(1);
  }
  if (text.empty() || !(std::isdigit(static_cast<unsigned char>(text.front())))) return std::nullopt;
  double number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number, std::chars_format::fixed);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  const double bytes = std::floor(number * multiplier);
  if (!(bytes < 0x1p62)) return std::nullopt;
  return static_cast<size_t>(bytes);
}

ParseResult parseArgs(const std::vector<std::string>& args) {
  Options o;
  bool haveCollective = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    const FlagSpec* spec = nullptr;
    std::optional<std::string_view> inlineValue;
    if (arg.starts_with("--") && arg.size() > 2) {
      std::string_view name = arg.substr(2);
      if (auto eq = name.find('='); eq != std::string_view::npos) {
        inlineValue = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      spec = findLong(name);
    } else if (arg.size() >= 2 && arg[0] == '-' && !std::isdigit(static_cast<unsigned char>(arg[1]))) {
      spec = findShort(arg[1]);
      if (spec && arg.size() > 2) inlineValue = arg.substr(2);  // -b8 as getopt allows
    } else {
      auto c = parseCollective(arg);
      if (!c)
        return {std::nullopt, "unknown collective '" + std::string(arg) +
                                  "': expected allreduce, allgather, reducescatter, alltoall, alltoallv, broadcast, "
                                  "reduce, sendrecv or moe"};
      if (haveCollective) return {std::nullopt, "more than one collective given ('" + std::string(arg) + "')"};
      o.collective = *c;
      haveCollective = true;
      continue;
    }
    if (!spec) return {std::nullopt, "unknown option '" + std::string(arg) + "'"};
    if (!spec->takesValue && inlineValue) return {std::nullopt, "option '" + std::string(arg) + "' takes no value"};
    std::string_view value;
    if (spec->takesValue) {
      if (inlineValue) {
        value = *inlineValue;
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return {std::nullopt, "option '" + std::string(arg) + "' needs a value"};
      }
    }
    if (auto e = apply(*spec, value, o); !e.empty()) return {std::nullopt, e};
  }
  if (auto e = checkConsistency(o); !e.empty()) return {std::nullopt, e};
  return {o, {}};
}

std::string checkRoot(const Options& o, int nranks) {
  if (!hasRoot(o.collective) || (o.root >= 0 && o.root < nranks)) return {};
  return "--root " + std::to_string(o.root) + " is not a rank of this job: expected 0 <= root < " +
         std::to_string(nranks) + " (nranks)";
}

std::string usage(std::string_view program) {
  std::string p(program);
  return "Usage: " + p +
         " [allreduce|allgather|reducescatter|alltoall|alltoallv|broadcast|reduce|sendrecv|moe] [options]\n"
         "  Sweeps message sizes through one collective and prints nccl-tests' table.\n"
         "  -b, --minbytes N      smallest size, suffixes K M G (default 32M)\n"
         "  -e, --maxbytes N      largest size (default 32M)\n"
         "  -f, --stepfactor F    multiply the size by F each step (default 1: use -i)\n"
         "  -i, --stepbytes N     add N bytes each step when F is 1 (default 1M)\n"
         "  -n, --iters N         timed iterations per size (default 20)\n"
         "  -w, --warmup_iters N  untimed iterations before them (default 5)\n"
         "  -c, --check 0|1       verify every element of one more run (default 1)\n"
         "  -d, --datatype T      int8 uint8 int32 uint32 int64 uint64 half float double\n"
         "                        bfloat16 fp8e4m3 fp8e5m2, or all (default float)\n"
         "  -o, --op OP           sum prod max min avg, or all (default sum)\n"
         "  -a, --average 0..3    combine per-rank times: 0 rank 0, 1 mean, 2 min, 3 max (default 1)\n"
         "  -r, --root R          root rank of broadcast and reduce, 0 <= R < nranks (default 0)\n"
         "  -k, --skew F          alltoallv: rank i sends rank j c*(1 + F*((i+j) mod n)/(n-1))/(1 + F/2)\n"
         "                        elements, c the alltoall count: the largest (1+F) x the smallest\n"
         "                        (default 0: alltoall's counts); moe: expert e is picked with weight\n"
         "                        1/(e+1)^F (0: uniform, larger: a few hot experts)\n"
         "      --tokens N        moe: tokens per rank (default 0: size / (hidden x type size))\n"
         "      --hidden H        moe: elements per token (default 4096)\n"
         "      --topk K          moe: experts per token (default 2)\n"
         "      --experts E       moe: experts in all, in contiguous runs over the ranks (default 8)\n"
         "  -R, --local_register 0|1  1: buffers from the library's own allocator, registered with the\n"
         "                        communicator (fcclMemAlloc + fcclCommRegister: zero copy); tools\n"
         "                        without one use plain memory (default 0)\n"
         "      --csv FILE        also write one CSV row per size and placement\n"
         "      --calibrate FILE  fccl-perf: measure the tuner's figures on this job (>= 2 ranks) and\n"
         "                        write them to FILE, for FCCL_TUNER_FILE; no sweep\n"
         "  -h, --help            this text\n"
         "The size column is nccl-tests': allreduce, broadcast, reduce and sendrecv count*typesize,\n"
         "allgather the bytes received, reducescatter, alltoall and alltoallv the bytes sent, per rank\n"
         "(alltoallv: the skewed counts' sum; its count column is c); moe prints its own table: per size\n"
         "(the bytes of a rank's tokens) dispatch and combine time and GB/s (the rows a rank sends).\n";
}

}  // namespace fccl::perf
