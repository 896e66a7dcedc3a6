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
enum Param { kUpLatency, kUpLink, kReduce, kKernel, kOutLatency, kNic, kParams };

FabricFigures figuresOf(const std::vector<double>& p, bool scaleOut) {
  FabricFigures f;
  f.scaleUp.latencyUs = std::exp(p[kUpLatency]);
  f.scaleUp.linkGBps = std::exp(p[kUpLink]);
  f.device.reduceGBps = std::exp(p[kReduce]);
  f.device.copyGBps = f.device.reduceGBps;
  f.kernelGBps = std::exp(p[kKernel]);
  if (scaleOut) {
    ScaleOutFigures out;
    out.latencyUs = std::exp(p[kOutLatency]);
    out.nicGBps = std::exp(p[kNic]);
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
  std::map<int, CalibrationGroup> groups;
  for (const PerfPoint& p : points) {
    if (p.placement != "out-of-place") continue;
    if (!collectiveNamed(p.collective))
      return Status(Code::kInvalidArgument, p.where + ": field collective: fccl-sim does not simulate " + p.collective);
    CalibrationGroup& g = groups[p.nranks];
    g.scaleOut = scaleOut;
    g.nranks = p.nranks;
    g.points.push_back(p);
  }
  std::vector<CalibrationGroup> out;
  for (auto& [n, g] : groups)
    if (n > 1) out.push_back(std::move(g));
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

  // Mean squared log error over the points of the groups asked for; a simulation that fails
  // ends the fit.
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
      for (size_t i = 0; i < times->size(); ++i, ++count) sum += std::pow(logError((*times)[i], g.points[i].timeUs), 2);
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
  if (!args.tunerFile.empty()) {
    FCCL_ASSIGN_OR_RETURN(fit.settings.tunerFigures, loadCostParams(args.tunerFile));
  } else {
    FCCL_ASSIGN_OR_RETURN(fit.settings.tunerFigures, costParamsFromEnv());
  }
  for (bool scaleOut : {false, true}) {
    for (const std::string& path : scaleOut ? args.scaleOutCsvs : args.csvs) {
      FCCL_ASSIGN_OR_RETURN(std::vector<PerfPoint> points, readPerfCsv(path));
      FCCL_ASSIGN_OR_RETURN(std::vector<CalibrationGroup> groups, groupPoints(points, scaleOut));
      for (CalibrationGroup& g : groups) fit.groups.push_back(std::move(g));
    }
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
  params[kKernel] = std::log(2 * d.scaleUp[static_cast<int>(Proto::kSimple)].gbps);
  params[kOutLatency] = std::log(d.scaleOut.latencyUs);
  params[kNic] = std::log(d.scaleOut.gbps);

  Minimum up = minimise(
      [&](const std::vector<double>& x) {
        std::vector<double> p = params;
        std::copy(x.begin(), x.end(), p.begin());
        return fit.cost(p, Fit::Which::kScaleUp);
      },
      std::vector<double>(params.begin(), params.begin() + kOutLatency), 0.7, 160);
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
  const double rms = std::sqrt(fit.cost(params, Fit::Which::kAll));
  FCCL_TRY(fit.failure);
  printFit(fit, params);

  FabricFigures figures = figuresOf(params, anyOut);
  std::string inputs;
  for (const auto& list : {args.csvs, args.scaleOutCsvs})
    for (const std::string& p : list) inputs += (inputs.empty() ? "" : ", ") + p;
  char summary[160];
  std::snprintf(summary, sizeof summary, "fitted by fccl-sim calibrate (rms log error %.3f over %zu points) to ", rms,
                fit.points);
  const std::string source = summary + inputs;
  for (const char* key : {"scaleup.latency_us", "scaleup.link_GBps", "device.reduce_GBps", "device.copy_GBps",
                          "kernel_GBps"})
    figures.sources[key] = source + (std::string(key) == "device.copy_GBps" ? " (taken equal to reduce_GBps)" : "");
  if (anyOut)
    for (const char* key : {"scaleout.latency_us", "scaleout.nic_GBps"}) figures.sources[key] = source;
  FCCL_ASSIGN_OR_RETURN(Json hosts, hostsJson(args.layout));
  const Json doc = {{"name", "this machine, calibrated by fccl-sim calibrate"}, {"hosts", hosts}, {"fabric", fabricJson(figures)}};
  std::ofstream file(args.output);
  if (!(file << doc.dump(2) << "\n")) return Status(Code::kSystem, "cannot write " + args.output);
  std::printf("# wrote %s\n", args.output.c_str());
  return Status::ok();
}

}  // namespace fccl::sim
