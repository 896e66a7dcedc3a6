// fccl-sim calibrate: fits the figures of a topology file to fccl-perf runs measured on this
// machine, by simulating those very runs (the same plans, the tuner's same choices) with trial
// figures and keeping the figures whose simulated times are closest to the measured ones (the
// mean absolute log of their ratio, Nelder-Mead). Each size counts with its fastest row (this
// machine's other work only adds time). What is fitted:
//  - from runs on one host (every hop scale-up): the scale-up hop's latency and rate, the
//    device's reduction and copy rates and what all ranks of the kernel move together (ranks
//    are processes sharing this machine's cores);
//  - from runs given with --scaleout, one rank per emulated host (every hop over the net): the
//    net's latency and a NIC's rate, the scale-up figures held at their fit.
// The result keeps the hosts of --layout (default: one host of 8 ranks) and is usable as --topo.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "tools/fccl-sim/perf_csv.h"
#include "tools/fccl-sim/sim_args.h"
#include "tools/fccl-sim/simulation.h"

namespace fccl::sim {

// The runs of one rank count on one layout: simulated together on one platform.
struct CalibrationGroup {
  bool scaleOut = false;  // one rank per host, each its own domain
  int nranks = 0;
  std::vector<PerfPoint> points;
};

// Sorts points into groups by rank count, one point per (collective, size): the fastest of its
// rows (repeated runs, in place and out of place).
Expected<std::vector<CalibrationGroup>> groupPoints(const std::vector<PerfPoint>& points, bool scaleOut);
// The simulated time (us) of every point of `group` with `figures`, in a child process.
Expected<std::vector<double>> simulateGroup(const CalibrationGroup& group, const FabricFigures& figures,
                                            const SimSettings& settings);

Status calibrate(const CalibrateArgs& args);

}  // namespace fccl::sim
