// fccl-sim's command line, parsed without printing or exiting so that tests can drive it:
//   fccl-sim COLLECTIVE -b MIN -e MAX [-f F | -i STEP] --ranks N --topo FILE [--algo A]
//            [--proto P] [--csv F] [--tuner-file F]
//   fccl-sim calibrate -o FILE [--layout TOPO] [--tuner-file F] CSV... [--scaleout CSV]...
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "algorithms/algorithms.h"
#include "common/expected.h"

namespace fccl::sim {

struct SweepArgs {
  Collective collective = Collective::kAllReduce;
  size_t minBytes = size_t{32} << 20, maxBytes = size_t{32} << 20;
  size_t stepFactor = 2, stepBytes = 0;  // -i sets stepBytes and stepFactor 1
  int ranks = 0;
  std::string topo;
  std::string algo;   // FCCL_ALGO's form; empty: the environment's
  std::string proto;  // LL or Simple; empty: the environment's
  std::string csv;
  std::string tunerFile;  // figures the real run prices with (FCCL_TUNER_FILE, or "defaults": the
                          // built-in ones); empty: the platform's
};

struct CalibrateArgs {
  std::string output;
  std::string layout;  // a topology file whose hosts the output keeps; empty: one host of 8 ranks
  std::string tunerFile;
  std::vector<std::string> csvs;          // runs on one host: every hop scale-up
  std::vector<std::string> scaleOutCsvs;  // --scaleout CSV: one rank per emulated host, every hop over the net
};

struct SimArgs {
  std::optional<SweepArgs> sweep;
  std::optional<CalibrateArgs> calibrate;
  bool help = false;
};

// `args` without the program name.
Expected<SimArgs> parseSimArgs(const std::vector<std::string>& args);
std::string simUsage();
// "allreduce", "allgather", "reducescatter", "alltoall", "broadcast", "reduce".
std::optional<Collective> collectiveNamed(std::string_view name);
// The sweep's sizes: from min, times f (or plus step), while at most max.
std::vector<size_t> sweepOf(const SweepArgs& a);

}  // namespace fccl::sim
