#include "tuner/cost_params.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <sys/stat.h>

#include "common/env.h"

namespace fccl {
namespace {

// Every key of the file and the field it sets, so that parsing and writing cannot drift apart.
struct Key {
  const char* name;
  double* (*field)(CostParams&);
};

constexpr Key kKeys[] = {
    {"scaleup.ll.latency_us", [](CostParams& p) { return &p.scaleUp[static_cast<int>(Proto::kLL)].latencyUs; }},
    {"scaleup.ll.gbps", [](CostParams& p) { return &p.scaleUp[static_cast<int>(Proto::kLL)].gbps; }},
    {"scaleup.simple.latency_us", [](CostParams& p) { return &p.scaleUp[static_cast<int>(Proto::kSimple)].latencyUs; }},
    {"scaleup.simple.gbps", [](CostParams& p) { return &p.scaleUp[static_cast<int>(Proto::kSimple)].gbps; }},
    {"scaleup.channel_gbps", [](CostParams& p) { return &p.channelGbpsUp; }},
    {"scaleout.latency_us", [](CostParams& p) { return &p.scaleOut.latencyUs; }},
    {"scaleout.gbps", [](CostParams& p) { return &p.scaleOut.gbps; }},
    {"scaleout.channel_gbps", [](CostParams& p) { return &p.channelGbpsOut; }},
    {"scaleout.message_bytes", [](CostParams& p) { return &p.scaleOutMessageBytes; }},
    {"reduce.gbps", [](CostParams& p) { return &p.reduceGbps; }},
    {"copy.gbps", [](CostParams& p) { return &p.copyGbps; }},
    {"multicast.latency_us", [](CostParams& p) { return &p.multicast.latencyUs; }},
    {"multicast.gbps", [](CostParams& p) { return &p.multicast.gbps; }},
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

static_assert(std::size(kKeys) == kCostFigureCount);

}  // namespace

void toFigures(const CostParams& params, double (&figures)[kCostFigureCount]) {
  CostParams copy = params;
  for (size_t i = 0; i < kCostFigureCount; ++i) figures[i] = *kKeys[i].field(copy);
}

Expected<CostParams> fromFigures(const double (&figures)[kCostFigureCount], std::string source) {
  CostParams params = CostParams::defaults();
  params.source = std::move(source);
  for (size_t i = 0; i < kCostFigureCount; ++i) {
    if (!std::isfinite(figures[i]) || figures[i] <= 0)
      return Status(Code::kInvalidArgument, params.source + ": " + kKeys[i].name + " is " + std::to_string(figures[i]));
    *kKeys[i].field(params) = figures[i];
  }
  return params;
}

CostParams CostParams::defaults() {
  // Two ranks of one host, as `fccl-perf --calibrate` measures them on a current two-core x86
  // server: a shared-memory FIFO step costs a cache-line transfer or two plus the call's own
  // work (0.3-0.6 us since calls reuse their plans), and its rate (in bytes of a ring step) pays
  // a copy in and a copy out; LL saves the counter's line, so it is the quicker step, but
  // carries half data, half flags. The multicast rate is in bytes of all members together and
  // pays one pass (non-temporal stores). The scale-out figures are a TCP provider between
  // hosts; 128 KiB messages over it ran at 1.5x the rate of 512 KiB ones (fccl-perf all-reduce,
  // 2 emulated hosts, 2 to 32 MiB: 1.0-1.2 against 0.7 GB/s). A calibration file replaces them all.
  CostParams p;
  p.scaleUp[static_cast<int>(Proto::kLL)] = {0.4, 1.6};
  p.scaleUp[static_cast<int>(Proto::kSimple)] = {0.5, 2.4};
  p.scaleOut = {30.0, 1.2};
  p.channelGbpsUp = 2.4;
  p.channelGbpsOut = 1.2;
  p.scaleOutMessageBytes = 128 * 1024;
  p.reduceGbps = 8.0;
  p.copyGbps = 5.0;
  p.multicast = {1.0, 12.0};
  return p;
}

std::string CostParams::describe() const {
  char text[512];
  std::snprintf(text, sizeof text,
                "%s: scale-up LL %.2f us %.2f GB/s, Simple %.2f us %.2f GB/s (channel %.2f GB/s); scale-out %.2f us "
                "%.2f GB/s (channel %.2f GB/s, messages up to %.0f KiB); reduce %.2f GB/s, copy %.2f GB/s; multicast %.2f us %.2f GB/s",
                source.c_str(), scaleUp[0].latencyUs, scaleUp[0].gbps, scaleUp[1].latencyUs, scaleUp[1].gbps,
                channelGbpsUp, scaleOut.latencyUs, scaleOut.gbps, channelGbpsOut, scaleOutMessageBytes / 1024, reduceGbps, copyGbps,
                multicast.latencyUs, multicast.gbps);
  return text;
}

Expected<CostParams> parseCostParams(std::string_view text, const std::string& name) {
  CostParams params = CostParams::defaults();
  params.source = name;
  std::set<std::string_view> seen;
  size_t lineNo = 0;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++lineNo;
    if (const size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) continue;
    const std::string where = name + ":" + std::to_string(lineNo);
    const size_t space = line.find_first_of(" \t");
    if (space == std::string_view::npos)
      return Status(Code::kInvalidArgument, where + ": expected `key value`, got '" + std::string(line) + "'");
    const std::string_view key = line.substr(0, space), value = trim(line.substr(space));
    const Key* known = nullptr;
    for (const Key& k : kKeys)
      if (key == k.name) known = &k;
    if (!known) return Status(Code::kInvalidArgument, where + ": unknown key '" + std::string(key) + "'");
    if (!seen.insert(known->name).second)
      return Status(Code::kInvalidArgument, where + ": key '" + std::string(key) + "' given twice");
    const std::string number(value);
    char* parsedEnd = nullptr;
    const double v = std::strtod(number.c_str(), &parsedEnd);
    if (number.empty() || *parsedEnd != '\0' || !std::isfinite(v) || v <= 0)
      return Status(Code::kInvalidArgument,
                    where + ": " + std::string(key) + " must be a positive number, got '" + number + "'");
    *known->field(params) = v;
  }
  return params;
}

Expected<CostParams> loadCostParams(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status(Code::kInvalidArgument, "cannot read tuner file " + path);
  std::stringstream text;
  text << in.rdbuf();
  return parseCostParams(text.str(), path);
}

std::string formatCostParams(const CostParams& params, std::string_view comment) {
  std::string out;
  for (size_t start = 0; start < comment.size();) {
    const size_t end = std::min(comment.find('\n', start), comment.size());
    out += "# " + std::string(comment.substr(start, end - start)) + "\n";
    start = end + 1;
  }
  CostParams copy = params;
  for (const Key& k : kKeys) {
    char value[64];
    std::snprintf(value, sizeof value, "%.6g", *k.field(copy));
    out += std::string(k.name) + " " + value + "\n";
  }
  return out;
}

std::string defaultCostParamsPath() {
  if (auto file = envString("FCCL_TUNER_FILE")) return *file;
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.config/fccl/tuner.conf";
}

Expected<CostParams> costParamsFromEnv() {
  if (auto file = envString("FCCL_TUNER_FILE")) return loadCostParams(*file);
  const std::string path = defaultCostParamsPath();
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return loadCostParams(path);
  return CostParams::defaults();
}

}  // namespace fccl
