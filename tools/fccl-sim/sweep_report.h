// fccl-sim's table: fccl-perf's columns (size, count, time, algbw, busbw; benchmarks/common) for
// one simulated placement, then per size what the tuner chose and the busiest link. The CSV has
// fccl-perf's columns first (placement "simulated"), so that one reader takes both.
#pragma once

#include <cstdio>
#include <string>

#include "tools/fccl-sim/simulation.h"

namespace fccl::sim {

class SweepReport {
 public:
  // `out` and `csv` may be null.
  SweepReport(std::FILE* out, std::FILE* csv, Collective collective, int nranks);
  void header(const Machine& machine, const std::string& topo);
  void row(const CallResult& result);

  // nccl-tests' size column for a call (what each rank sends or receives, whichever is more).
  static size_t rowBytes(const CallPlan& plan, int nranks);
  static double busBwFactor(Collective collective, int nranks);

 private:
  std::FILE* out_;
  std::FILE* csv_;
  Collective collective_;
  int nranks_;
};

}  // namespace fccl::sim
