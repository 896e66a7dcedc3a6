#include "tools/fccl-sim/calibrate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "tools/fccl-sim/child_run.h"
#include "tools/fccl-sim/minimise.h"

namespace fccl::sim {
namespace {

// The fitted figures, as logarithms (the minimiser's coordinates: rates and latencies are
// positive and span decades).
enum Param { kUpLatency, kUpLink, kReduce, kCopy, kKernel, kOutLatency, kNic, kParams };

// Figures within what a machine can have: a fit that drifts to a latency of nothing or an
// infinite rate (where a figure stops mattering to the points) stays at the bound.
double latencyOf(double x) { return std::clamp(std::exp(x), 0.05, 1e5); }
double rateOf(double x) { return std::clamp(std::exp(x), 0.01, 1e4); }

FabricFigures figuresOf(const std::vector<double>& p, bool scaleOut) {
  FabricFigures f;
  f.scaleUp.latencyUs = latencyOf(p[kUpLatency]);
  f.scaleUp.linkGBps = rateOf(p[kUpLink]);
  f.device.reduceGBps = rateOf(p[kReduce]);
  f.device.copyGBps = rateOf(p[kCopy]);
  f.kernelGBps = rateOf(p[kKernel]);
  if (scaleOut) {
    ScaleOutFigures out;
    out.latencyUs = latencyOf(p[kOutLatency]);
    out.nicGBps = rateOf(p[kNic]);
    f.scaleOut = out;
  }
  return f;
}

TopologyFile layoutOf(const CalibrationGroup& g, const FabricFigures& figures) {
  TopologyFile file;
  file.name = "calibration";
  file.source = g.scaleOut ? "(one rank per host)" : "(one host)";
  if (g.scaleOut) {
    for (int r = 0; r < g.nranks; ++r) {
      const std::string name = "host" + std::to_string(r);
      file.hosts.push_back(TopoHost{name, 1, name, {TopoNic{"net", 8 * figures.scaleOut->nicGBps}}});
    }
  } else {
    file.hosts.push_back(TopoHost{"this-host", g.nranks, "this-host", {}});
  }
  file.fabric = figures;
  return file;
}

double logError(double predicted, double measured) { return std::log(predicted / measured); }

}  // namespace

Expected<std::vector<CalibrationGroup>> groupPoints(const std::vector<PerfPoint>& points, bool scaleOut) {
  // One point per (ranks, collective, size): the best of its rows. This machine's other work
  // only ever adds time to a run, so the fastest of repeats, in place or out of place (which
  // differ by a local copy), is the closest to what the figures describe.
  std::map<int, std::map<std::pair<std::string, size_t>, PerfPoint>> best;
  for (const PerfPoint& p : points) {
    if (!collectiveNamed(p.collective))
      return Status(Code::kInvalidArgument, p.where + ": field collective: fccl-sim does not simulate " + p.collective);
    auto [it, added] = best[p.nranks].try_emplace({p.collective, p.bytes}, p);
    if (!added && p.timeUs < it->second.timeUs) it->second = p;
  }
  std::vector<CalibrationGroup> out;
  for (auto& [n, byKey] : best) {
    if (n < 2) continue;
    CalibrationGroup g{scaleOut, n, {}};
    for (auto& [key, p] : byKey) g.points.push_back(p);
    out.push_back(std::move(g));
  }
  return out;
}

Expected<std::vector<double>> simulateGroup(const CalibrationGroup& group, const FabricFigures& figures,
                                            const SimSettings& settings) {
  FCCL_ASSIGN_OR_RETURN(std::string text, runInChild([&]() -> Expected<std::string> {
    FCCL_ASSIGN_OR_RETURN(Machine machine, Machine::make(layoutOf(group, figures), group.nranks));
    FCCL_ASSIGN_OR_RETURN(std::unique_ptr<Simulation> sim, Simulation::create(std::move(machine), settings));
    std::string out;
    for (const PerfPoint& p : group.points) {
      FCCL_ASSIGN_OR_RETURN(CallPlan plan, sim->choose(*collectiveNamed(p.collective), p.bytes));
      FCCL_ASSIGN_OR_RETURN(CallResult result, sim->run(plan));
      char line[64];
      std::snprintf(line, sizeof line, "%.9g\n", result.seconds * 1e6);
      out += line;
    }
    return out;
  }));
  std::vector<double> times;
  std::istringstream in(text);
  for (double t; in >> t;) times.push_back(t);
  if (times.size() != group.points.size())
    return Status(Code::kInternal, "the simulation of " + std::to_string(group.nranks) + " ranks answered " +
                                       std::to_string(times.size()) + " times for " +
                                       std::to_string(group.points.size()) + " points");
  return times;
}

namespace {

struct Fit {
  std::vector<CalibrationGroup> groups;
  SimSettings settings;
  Status failure;

  enum class Which { kScaleUp, kScaleOut, kAll };
  size_t points = 0;

  // Mean absolute log error over the points of the groups asked for (robust to the outliers a
  // shared machine leaves even in the fastest of repeats); a simulation that fails ends the fit.
  double cost(const std::vector<double>& params, Which which) {
    double sum = 0;
    size_t count = 0;
    for (const CalibrationGroup& g : groups) {
      if (which != Which::kAll && g.scaleOut != (which == Which::kScaleOut)) continue;
      auto times = simulateGroup(g, figuresOf(params, g.scaleOut), settings);
      if (!times.isOk()) {
        if (failure.isOk()) failure = times.status();
        return 1e30;
      }
      for (size_t i = 0; i < times->size(); ++i, ++count) sum += std::abs(logError((*times)[i], g.points[i].timeUs));
    }
    points = count;
    return count ? sum / static_cast<double>(count) : 0;
  }
};

void printFit(Fit& fit, const std::vector<double>& params) {
  std::printf("# %-24s %-13s %5s %10s %12s %12s %7s\n", "point", "collective", "ranks", "size (B)", "measured us",
              "fitted us", "error");
  for (const CalibrationGroup& g : fit.groups) {
    auto times = simulateGroup(g, figuresOf(params, g.scaleOut), fit.settings);
    if (!times.isOk()) continue;
    for (size_t i = 0; i < times->size(); ++i) {
      const PerfPoint& p = g.points[i];
      std::printf("  %-24s %-13s %5d %10zu %12.2f %12.2f %+6.1f%%\n", p.where.c_str(), p.collective.c_str(), p.nranks,
                  p.bytes, p.timeUs, (*times)[i], 100 * ((*times)[i] / p.timeUs - 1));
    }
  }
}

Expected<Json> hostsJson(const std::string& layout) {
  std::vector<TopoHost> hosts{TopoHost{"this-host", 8, "this-host", {}}};
  if (!layout.empty()) {
    FCCL_ASSIGN_OR_RETURN(TopologyFile file, loadTopologyFile(layout));
    hosts = file.hosts;
  }
  Json out = Json::array();
  for (const TopoHost& h : hosts) {
    Json host = {{"name", h.name}, {"ranks", h.ranks}, {"domain", h.domain}};
    for (const TopoNic& n : h.nics) host["nics"].push_back({{"name", n.name}, {"gbps", n.gbps}});
    out.push_back(host);
  }
  return out;
}

}  // namespace

Status calibrate(const CalibrateArgs& args) {
  Fit fit;
  FCCL_ASSIGN_OR_RETURN(fit.settings.comm, resolveCommOptions(nullptr));
  // The measured runs priced their choices with what this machine's runs read (FCCL_TUNER_FILE,
  // ~/.config/fccl/tuner.conf or the defaults): the simulated runs must choose alike.
  if (args.tunerFile == "defaults") {
    fit.settings.tunerFigures = CostParams::defaults();
  } else if (!args.tunerFile.empty()) {
    FCCL_ASSIGN_OR_RETURN(fit.settings.tunerFigures, loadCostParams(args.tunerFile));
  } else {
    FCCL_ASSIGN_OR_RETURN(fit.settings.tunerFigures, costParamsFromEnv());
  }
  for (bool scaleOut : {false, true}) {
    std::vector<PerfPoint> points;
    for (const std::string& path : scaleOut ? args.scaleOutCsvs : args.csvs) {
      FCCL_ASSIGN_OR_RETURN(std::vector<PerfPoint> more, readPerfCsv(path));
      points.insert(points.end(), more.begin(), more.end());
    }
    FCCL_ASSIGN_OR_RETURN(std::vector<CalibrationGroup> groups, groupPoints(points, scaleOut));
    for (CalibrationGroup& g : groups) fit.groups.push_back(std::move(g));
  }
  const bool anyUp = std::any_of(fit.groups.begin(), fit.groups.end(), [](const auto& g) { return !g.scaleOut; });
  const bool anyOut = std::any_of(fit.groups.begin(), fit.groups.end(), [](const auto& g) { return g.scaleOut; });
  if (!anyUp) return Status(Code::kInvalidArgument, "calibrate needs runs of at least 2 ranks on one host (scale-up)");

  // Start from the tuner's built-in figures: right in order of magnitude for a host device.
  const CostParams d = CostParams::defaults();
  std::vector<double> params(kParams);
  params[kUpLatency] = std::log(d.scaleUp[static_cast<int>(Proto::kSimple)].latencyUs);
  params[kUpLink] = std::log(d.scaleUp[static_cast<int>(Proto::kSimple)].gbps);
  params[kReduce] = std::log(d.reduceGbps);
  params[kCopy] = std::log(d.copyGbps);
  params[kKernel] = std::log(2 * d.scaleUp[static_cast<int>(Proto::kSimple)].gbps);
  params[kOutLatency] = std::log(d.scaleOut.latencyUs);
  params[kNic] = std::log(d.scaleOut.gbps);

  Minimum up = minimise(
      [&](const std::vector<double>& x) {
        std::vector<double> p = params;
        std::copy(x.begin(), x.end(), p.begin());
        return fit.cost(p, Fit::Which::kScaleUp);
      },
      std::vector<double>(params.begin(), params.begin() + kOutLatency), 0.7, 200);
  FCCL_TRY(fit.failure);
  std::copy(up.at.begin(), up.at.end(), params.begin());
  if (anyOut) {
    Minimum out = minimise(
        [&](const std::vector<double>& x) {
          std::vector<double> p = params;
          p[kOutLatency] = x[0];
          p[kNic] = x[1];
          return fit.cost(p, Fit::Which::kScaleOut);
        },
        {params[kOutLatency], params[kNic]}, 0.7, 80);
    FCCL_TRY(fit.failure);
    params[kOutLatency] = out.at[0];
    params[kNic] = out.at[1];
  }
  const double meanError = fit.cost(params, Fit::Which::kAll);
  FCCL_TRY(fit.failure);
  printFit(fit, params);

  FabricFigures figures = figuresOf(params, anyOut);
  char summary[256];
  std::snprintf(summary, sizeof summary,
                "fitted by fccl-sim calibrate (mean |log error| %.3f over %zu points) to %zu fccl-perf CSV(s) of one "
                "host and %zu of one rank per emulated host, e.g. %s",
                meanError, fit.points, args.csvs.size(), args.scaleOutCsvs.size(), args.csvs.front().c_str());
  const std::string source = summary;
  for (const char* key : {"scaleup.latency_us", "scaleup.link_GBps", "device.reduce_GBps", "device.copy_GBps",
                          "kernel_GBps"})
    figures.sources[key] = source;
  if (anyOut)
    for (const char* key : {"scaleout.latency_us", "scaleout.nic_GBps"}) figures.sources[key] = source;
  FCCL_ASSIGN_OR_RETURN(Json hosts, hostsJson(args.layout));
  nlohmann::ordered_json doc;  // in the order a reader expects: name, hosts, fabric
  doc["name"] = "this machine, calibrated by fccl-sim calibrate";
  doc["hosts"] = hosts;
  doc["fabric"] = fabricJson(figures);
  std::ofstream file(args.output);
  if (!(file << doc.dump(2) << "\n")) return Status(Code::kSystem, "cannot write " + args.output);
  std::printf("# wrote %s\n", args.output.c_str());
  return Status::ok();
}

}  // namespace fccl::sim
