// The output of the perf tools: nccl-tests' table (same header block, columns and closing lines,
// so scripts that read nccl-tests read this) and an optional CSV with one row per placement.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "fccl/fccl.h"
#include "perf_args.h"
#include "perf_types.h"

namespace fccl::perf {

// One rank's identity, fixed size so that it can travel through an allgather of bytes.
struct RankRecord {
  int32_t rank;
  int32_t pid;
  char host[120];
};
RankRecord thisRank(int rank);

struct Measurement {
  double seconds;  // per call, combined across ranks as -a says
  int64_t wrong;   // summed across ranks; -1 when not checked
};

struct Row {
  size_t bytes;
  size_t count;
  fcclDataType_t type;
  std::string_view op;  // "none" for collectives without reduction
  Measurement outOfPlace, inPlace;
  int root = -1;  // the root column: -r for broadcast and reduce, -1 for the others
};

class Report {
 public:
  // Writes only where `out` (and `csv`) are non-null, i.e. on rank 0; counts on every rank.
  Report(std::FILE* out, std::FILE* csv, Collective c, int nranks);
  void header(std::string_view title, const Options& o, const std::vector<RankRecord>& ranks);
  void comment(std::string_view text);  // one "# text" line
  void row(const Row& r);
  void footer();
  int64_t totalWrong() const { return wrong_; }

 private:
  void printPlacement(const Measurement& m, size_t bytes);
  void csvLine(const Row& r, const Measurement& m, std::string_view placement);

  std::FILE* out_;
  std::FILE* csv_;
  Collective collective_;
  int nranks_;
  int64_t wrong_ = 0;
  double busBwSum_ = 0;
  int busBwCount_ = 0;
};

// nccl-tests' time column: 2 decimals under 100 us, 1 under 10 ms, none above.
std::string formatTimeUs(double us);

}  // namespace fccl::perf
