#include "tools/fccl-sim/sweep_report.h"

#include "perf_report.h"

namespace fccl::sim {

SweepReport::SweepReport(std::FILE* out, std::FILE* csv, Collective collective, int nranks)
    : out_(out), csv_(csv), collective_(collective), nranks_(nranks) {}

size_t SweepReport::rowBytes(const CallPlan& plan, int nranks) {
  const bool perRank = plan.collective == Collective::kAllGather || plan.collective == Collective::kReduceScatter ||
                       plan.collective == Collective::kAllToAll;
  return plan.count * plan.elemBytes * (perRank ? static_cast<size_t>(nranks) : 1);
}

double SweepReport::busBwFactor(Collective collective, int nranks) {
  const double n = nranks;
  if (collective == Collective::kBroadcast || collective == Collective::kReduce) return 1.0;
  return collective == Collective::kAllReduce ? 2.0 * (n - 1) / n : (n - 1) / n;
}

void SweepReport::header(const Machine& m, const std::string& topo) {
  if (csv_)
    std::fprintf(csv_,
                 "collective,nranks,size_bytes,count,type,redop,root,placement,time_us,algbw_GBps,busbw_GBps,wrong,"
                 "algorithm,proto,channels,chunk_bytes,predicted_us,busiest_link,busiest_utilisation\n");
  if (!out_) return;
  std::fprintf(out_, "# fccl-sim: %s on %s: %d rank(s) in %d scale-up domain(s), %zu NIC(s)\n",
               std::string(collectiveName(collective_)).c_str(), topo.c_str(), m.nranks(), m.domains(),
               m.nics().size());
  std::fprintf(out_, "# tuner figures: %s\n#\n", m.costParams().describe().c_str());
  std::fprintf(out_, "# %10s  %12s  %9s  %7s  %7s  %-8s %-6s %3s %8s  %s\n", "size", "count", "time", "algbw", "busbw",
               "algo", "proto", "ch", "chunk", "busiest link (utilisation)");
  std::fprintf(out_, "# %10s  %12s  %9s  %7s  %7s\n", "(B)", "(elements)", "(us)", "(GB/s)", "(GB/s)");
  std::fflush(out_);
}

void SweepReport::row(const CallResult& r) {
  const size_t bytes = rowBytes(r.plan, nranks_);
  const double algBw = r.seconds > 0 ? static_cast<double>(bytes) / 1e9 / r.seconds : 0;
  const double busBw = algBw * busBwFactor(collective_, nranks_);
  const std::string algo(r.plan.algorithm.name), proto(protoName(r.plan.proto));
  if (out_) {
    std::fprintf(out_, "%12zu  %12zu  %9s  %7.2f  %7.2f  %-8s %-6s %3d %8zu  %s (%.0f%%)\n", bytes, r.plan.count,
                 perf::formatTimeUs(r.seconds * 1e6).c_str(), algBw, busBw, algo.c_str(), proto.c_str(),
                 r.plan.channels, r.plan.chunkBytes, r.busiest.name.c_str(), r.busiest.utilisation * 100);
    std::fflush(out_);
  }
  if (csv_) {
    const bool reduces = collective_ == Collective::kAllReduce || collective_ == Collective::kReduceScatter ||
                         collective_ == Collective::kReduce;
    std::fprintf(csv_, "%s,%d,%zu,%zu,float,%s,-1,simulated,%.3f,%.4f,%.4f,,%s,%s,%d,%zu,%.3f,%s,%.4f\n",
                 std::string(collectiveName(collective_)).c_str(), nranks_, bytes, r.plan.count, reduces ? "sum" : "none",
                 r.seconds * 1e6, algBw,
                 busBw, algo.c_str(), proto.c_str(), r.plan.channels, r.plan.chunkBytes, r.plan.predictedUs,
                 r.busiest.name.c_str(), r.busiest.utilisation);
    std::fflush(csv_);
  }
}

}  // namespace fccl::sim
