// fccl-perf --calibrate FILE: measures the tuner's figures (lib/tuner/cost_params.h) on this
// job's ranks and writes them to FILE, for FCCL_TUNER_FILE (or ~/.config/fccl/tuner.conf).
#pragma once

#include <string>

#include "fccl/fccl.h"
#include "perf_sweep.h"

namespace fccl::perf {

// Collective over the job: every rank measures, rank 0 writes `path` and prints the figures.
// `base` is the job's communicator; calibration makes its own beside it, one per setting.
Outcome calibrate(const std::string& path, fcclComm_t base, ControlPlane& control);

}  // namespace fccl::perf
