// fccl-perf's --csv files (benchmarks/common/perf_report.h), read back for calibration. Only the
// columns calibration needs are required, by name, in any order; every error names the file,
// the line and the field:  up.csv:7: field time_us: 'fast' is not a number
#pragma once

#include <string>
#include <vector>

#include "common/expected.h"

namespace fccl::sim {

struct PerfPoint {
  std::string collective;  // "allreduce", ...
  int nranks = 0;
  size_t bytes = 0;        // the size column
  std::string placement;   // "out-of-place", "in-place"
  double timeUs = 0;
  std::string where;       // file:line
};

Expected<std::vector<PerfPoint>> readPerfCsv(const std::string& path);
Expected<std::vector<PerfPoint>> parsePerfCsv(const std::string& text, const std::string& name);

}  // namespace fccl::sim
