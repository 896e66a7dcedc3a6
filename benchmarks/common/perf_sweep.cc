#include "perf_sweep.h"

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "perf_buffer.h"
#include "perf_data.h"

namespace fccl::perf {
namespace {

struct CloseFile {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, CloseFile>;

// One table row's worth of work: both placements of one (type, op, size).
class Sweep {
 public:
  Sweep(const Options& o, CollectiveRunner& runner, ControlPlane& control, AlignedBuffer& send, AlignedBuffer& recv)
      : o_(o), runner_(runner), control_(control), send_(send), recv_(recv) {}

  Outcome measure(const SizePlan& p, const DataSpec& spec, bool inPlace, Measurement& m) {
    const CollArgs a = argsFor(p, spec, inPlace);
    FCCL_PERF_TRY(timeCalls(p, spec, a, m.seconds));
    m.wrong = -1;
    if (o_.check) FCCL_PERF_TRY(verify(p, spec, a, m.wrong));
    return {};
  }

 private:
  CollArgs argsFor(const SizePlan& p, const DataSpec& spec, bool inPlace) const {
    const size_t ts = typeSize(spec.type);
    const PeerBlocks* blocks = spec.coll == Collective::kAllToAllv ? &p.blocks : nullptr;
    CollArgs a{spec.coll, send_.data(), recv_.data(), p.paramCount, spec.type, spec.op, inPlace, spec.root, blocks};
    if (inPlace) {
      a.send = recv_.data() + p.sendInPlaceOffset * ts;
      a.recv = recv_.data() + runner_.inPlaceResultOffset(spec.coll, p) * ts;
    }
    return a;
  }

  Outcome runCalls(const CollArgs& a, int calls) {
    for (int i = 0; i < calls; ++i) FCCL_PERF_TRY(runner_.run(a));
    return {};
  }

  // Fresh inputs, warm-up, a barrier so that no rank's clock starts while others still warm up,
  // then `iters` back-to-back calls. In place, the data changes from call to call (as in
  // nccl-tests); that is harmless for timing and verify() starts again from fresh inputs.
  Outcome timeCalls(const SizePlan& p, const DataSpec& spec, const CollArgs& a, double& seconds) {
    fillInput(spec, control_.rank(), const_cast<void*>(a.send), p.sendCount);
    FCCL_PERF_TRY(runCalls(a, o_.warmupIters));
    FCCL_PERF_TRY(control_.barrier());
    const auto start = std::chrono::steady_clock::now();
    FCCL_PERF_TRY(runCalls(a, o_.iters));
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    seconds = elapsed.count() / o_.iters;
    switch (o_.average) {
      case 0:
        return {};  // rank 0 prints its own time
      case 1:
        FCCL_PERF_TRY(control_.combine(seconds, Combine::kSum));
        seconds /= control_.nranks();
        return {};
      case 2:
        return control_.combine(seconds, Combine::kMin);
      default:
        return control_.combine(seconds, Combine::kMax);
    }
  }

  // One more call on fresh inputs; out of place the result buffer is first filled with 0xff
  // bytes (NaN or -1 / max, never an expected value) so that elements never written count.
  Outcome verify(const SizePlan& p, const DataSpec& spec, const CollArgs& a, int64_t& wrong) {
    const size_t ts = typeSize(spec.type);
    fillInput(spec, control_.rank(), const_cast<void*>(a.send), p.sendCount);
    if (!a.inPlace) std::memset(a.recv, 0xff, p.recvCount * ts);
    FCCL_PERF_TRY(runner_.run(a));
    wrong = static_cast<int64_t>(countWrong(spec, control_.rank(), a.recv, p.recvCount, p.paramCount));
    return control_.sumInt64(wrong);
  }

  const Options& o_;
  CollectiveRunner& runner_;
  ControlPlane& control_;
  AlignedBuffer& send_;
  AlignedBuffer& recv_;
};

// Rank 0 opens the CSV; every rank learns whether it could, so that all stop together.
Outcome openCsv(const Options& o, ControlPlane& control, FilePtr& csv) {
  int64_t failed = 0;
  if (!o.csvPath.empty() && control.rank() == 0) {
    csv.reset(std::fopen(o.csvPath.c_str(), "w"));
    failed = csv ? 0 : 1;
  }
  if (Outcome r = control.sumInt64(failed); !r.ok()) return r;
  if (failed) return {"cannot write --csv file '" + o.csvPath + "': " + std::strerror(errno)};
  return {};
}

std::vector<std::optional<fcclRedOp_t>> opsFor(const Options& o) {
  std::vector<std::optional<fcclRedOp_t>> ops;
  if (!hasReduction(o.collective)) return {std::nullopt};
  for (auto op : o.ops) ops.push_back(op);
  return ops;
}

}  // namespace

Outcome runSweep(const Options& o, CollectiveRunner& runner, ControlPlane& control, std::FILE* out, int64_t& wrong) {
  const int rank = control.rank(), nranks = control.nranks();
  if (std::string e = checkRoot(o, nranks); !e.empty()) return {e};  // the tools check first
  FilePtr csv;
  FCCL_PERF_TRY(openCsv(o, control, csv));
  BufferSource* source = o.registerBuffers ? runner.registeredMemory() : nullptr;
  AlignedBuffer send(o.maxBytes, source), recv(o.maxBytes, source);
  if (!send.data() || !recv.data()) return {"cannot allocate 2 x " + std::to_string(o.maxBytes) + " bytes"};
  std::vector<RankRecord> ranks;
  FCCL_PERF_TRY(control.gatherRanks(thisRank(rank), ranks));

  Report report(rank == 0 ? out : nullptr, csv.get(), o.collective, nranks);
  report.header(runner.title(), o, ranks);
  if (o.registerBuffers)
    report.comment(source ? runner.title() + ": buffers from its own allocator, registered (-R 1)"
                          : runner.title() + ": no memory of its own to register; plain host memory (-R 1)");
  Sweep sweep(o, runner, control, send, recv);
  for (fcclDataType_t type : o.types) {
    if (std::string why = runner.unsupported(o.collective, type, std::nullopt); !why.empty()) {
      report.comment(runner.title() + ": skipping " + std::string(typeName(type)) + ": " + why);
      continue;
    }
    for (std::optional<fcclRedOp_t> op : opsFor(o)) {
      const std::string opText(op ? opName(*op) : "none");
      if (std::string why = runner.unsupported(o.collective, type, op); !why.empty()) {
        report.comment(runner.title() + ": skipping " + std::string(typeName(type)) + " " + opText + ": " + why);
        continue;
      }
      const DataSpec spec{o.collective, type, op.value_or(fcclSum), nranks, o.root, o.skew};
      for (size_t bytes : sweepSizes(o)) {
        const SizePlan p = planForBytes(o.collective, bytes, typeSize(type), nranks, rank, o.skew);
        Row row{p.rowBytes, p.paramCount, type, opText, {}, {}, hasRoot(o.collective) ? o.root : -1};
        FCCL_PERF_TRY(sweep.measure(p, spec, false, row.outOfPlace));
        FCCL_PERF_TRY(sweep.measure(p, spec, true, row.inPlace));
        report.row(row);
      }
    }
  }
  report.footer();
  wrong = report.totalWrong();
  return {};
}

int launcherRank() {
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "FCCL_RANK"})
    if (const char* v = std::getenv(name)) return std::atoi(v);
  return 0;
}

}  // namespace fccl::perf
