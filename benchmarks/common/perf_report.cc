#include "perf_report.h"

#include <unistd.h>

#include <cstring>

#include "perf_sizes.h"

namespace fccl::perf {

RankRecord thisRank(int rank) {
  RankRecord r{};
  r.rank = rank;
  r.pid = static_cast<int32_t>(::getpid());
  if (::gethostname(r.host, sizeof(r.host) - 1) != 0) std::strcpy(r.host, "?");
  return r;
}

std::string formatTimeUs(double us) {
  char text[32];
  const char* format = us >= 10000.0 ? "%7.0f" : us >= 100.0 ? "%7.1f" : "%7.2f";
  std::snprintf(text, sizeof(text), format, us);
  return text;
}

Report::Report(std::FILE* out, std::FILE* csv, Collective c, int nranks)
    : out_(out), csv_(csv), collective_(c), nranks_(nranks) {}

void Report::header(std::string_view title, const Options& o, const std::vector<RankRecord>& ranks) {
  if (csv_)
    std::fprintf(csv_,
                 "collective,nranks,size_bytes,count,type,redop,root,placement,time_us,algbw_GBps,busbw_GBps,"
                 "wrong\n");
  if (!out_) return;
  const bool factor = o.stepFactor > 1;
  std::fprintf(out_,
               "# %.*s: collective %.*s, nranks %d, minBytes %zu maxBytes %zu step: %zu(%s) warmup iters: %d "
               "iters: %d validation: %d average: %d\n",
               static_cast<int>(title.size()), title.data(), static_cast<int>(collectiveName(collective_).size()),
               collectiveName(collective_).data(), nranks_, o.minBytes, o.maxBytes, factor ? o.stepFactor : o.stepBytes,
               factor ? "factor" : "bytes", o.warmupIters, o.iters, o.check ? 1 : 0, o.average);
  if (collective_ == Collective::kAllToAllv)  // -k, and what it does to the counts (perf_sizes.h)
    std::fprintf(out_, "# skew %g: rank i sends rank j count*(1 + %g*((i+j) mod n)/(n-1))/(1 + %g/2) elements\n",
                 o.skew, o.skew, o.skew);
  std::fprintf(out_, "#\n# Using ranks\n");
  for (const auto& r : ranks) std::fprintf(out_, "#  Rank %2d Pid %6d on %10s\n", r.rank, r.pid, r.host);
  std::fprintf(out_, "#\n");
  std::fprintf(out_, "# %10s  %12s  %8s  %6s  %6s           out-of-place                       in-place          \n",
               "", "", "", "", "");
  std::fprintf(out_, "# %10s  %12s  %8s  %6s  %6s  %7s  %6s  %6s %6s  %7s  %6s  %6s %6s\n", "size", "count", "type",
               "redop", "root", "time", "algbw", "busbw", "#wrong", "time", "algbw", "busbw", "#wrong");
  std::fprintf(out_, "# %10s  %12s  %8s  %6s  %6s  %7s  %6s  %6s  %5s  %7s  %6s  %6s  %5s\n", "(B)", "(elements)", "",
               "", "", "(us)", "(GB/s)", "(GB/s)", "", "(us)", "(GB/s)", "(GB/s)", "");
  std::fflush(out_);
}

void Report::comment(std::string_view text) {
  if (!out_) return;
  std::fprintf(out_, "# %.*s\n", static_cast<int>(text.size()), text.data());
  std::fflush(out_);
}

void Report::printPlacement(const Measurement& m, size_t bytes) {
  const double algBw = algBwGBs(bytes, m.seconds), busBw = algBw * busBwFactor(collective_, nranks_);
  busBwSum_ += busBw;
  ++busBwCount_;
  if (m.wrong > 0) wrong_ += m.wrong;
  if (!out_) return;
  std::fprintf(out_, "  %7s  %6.2f  %6.2f", formatTimeUs(m.seconds * 1e6).c_str(), algBw, busBw);
  if (m.wrong >= 0) {
    std::fprintf(out_, "  %5g", static_cast<double>(m.wrong));
  } else {
    std::fprintf(out_, "  %5s", "N/A");
  }
}

void Report::csvLine(const Row& r, const Measurement& m, std::string_view placement) {
  if (!csv_) return;
  const double algBw = algBwGBs(r.bytes, m.seconds);
  std::fprintf(csv_, "%.*s,%d,%zu,%zu,%.*s,%.*s,%d,%.*s,%.3f,%.4f,%.4f,",
               static_cast<int>(collectiveName(collective_).size()), collectiveName(collective_).data(), nranks_,
               r.bytes, r.count, static_cast<int>(typeName(r.type).size()), typeName(r.type).data(),
               static_cast<int>(r.op.size()), r.op.data(), r.root, static_cast<int>(placement.size()), placement.data(),
               m.seconds * 1e6, algBw, algBw * busBwFactor(collective_, nranks_));
  if (m.wrong >= 0) std::fprintf(csv_, "%lld", static_cast<long long>(m.wrong));
  std::fprintf(csv_, "\n");
}

void Report::row(const Row& r) {
  if (out_)
    std::fprintf(out_, "%12zu  %12zu  %8.*s  %6.*s  %6i", r.bytes, r.count, static_cast<int>(typeName(r.type).size()),
                 typeName(r.type).data(), static_cast<int>(r.op.size()), r.op.data(), r.root);
  printPlacement(r.outOfPlace, r.bytes);
  printPlacement(r.inPlace, r.bytes);
  if (out_) {
    std::fprintf(out_, "\n");
    std::fflush(out_);
  }
  csvLine(r, r.outOfPlace, "out-of-place");
  csvLine(r, r.inPlace, "in-place");
}

void Report::footer() {
  if (csv_) std::fflush(csv_);
  if (!out_) return;
  const double avgBusBw = busBwCount_ ? busBwSum_ / busBwCount_ : 0.0;
  std::fprintf(out_, "# Out of bounds values : %lld %s\n", static_cast<long long>(wrong_), wrong_ ? "FAILED" : "OK");
  std::fprintf(out_, "# Avg bus bandwidth    : %g \n#\n", avgBusBw);
  std::fflush(out_);
}

}  // namespace fccl::perf
