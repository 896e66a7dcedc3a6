// The measurement loop shared by fccl-perf and the peer programs. What differs between them sits
// behind two small interfaces: the collective being measured (CollectiveRunner) and how ranks
// agree on everything else (ControlPlane). Everything else (sizes, data, timing, checking,
// output) is this one loop, so the tools' tables compare like with like.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "fccl/fccl.h"
#include "perf_args.h"
#include "perf_buffer.h"
#include "perf_report.h"
#include "perf_sizes.h"
#include "perf_types.h"

namespace fccl::perf {

// A step that can fail; the message says what failed (the tool adds who).
struct [[nodiscard]] Outcome {
  std::string error;
  bool ok() const { return error.empty(); }
};

// Returns the failed Outcome of `expr` to the caller.
#define FCCL_PERF_TRY(expr)                                                       \
  do {                                                                            \
    if (::fccl::perf::Outcome outcome_ = (expr); !outcome_.ok()) return outcome_; \
  } while (0)

enum class Combine { kSum, kMin, kMax };

// Barriers, the #wrong sums, the combined times and the rank records. Every call is collective:
// all ranks make it in the same order. Blocking; errors are returned, never thrown.
class ControlPlane {
 public:
  virtual ~ControlPlane() = default;
  virtual int rank() const = 0;
  virtual int nranks() const = 0;
  virtual Outcome barrier() = 0;
  virtual Outcome sumInt64(int64_t& value) = 0;             // in place: the sum over ranks
  virtual Outcome combine(double& value, Combine how) = 0;  // in place: sum, min or max over ranks
  // Every rank receives every rank's record, in rank order.
  virtual Outcome gatherRanks(const RankRecord& mine, std::vector<RankRecord>& all) = 0;
};

struct CollArgs {
  Collective coll;
  const void* send;
  void* recv;
  size_t count;  // SizePlan::paramCount
  fcclDataType_t type;
  fcclRedOp_t op;  // meaningful only if hasReduction(coll)
  // In place, send and recv point into one buffer at the SizePlan's offsets (so for allgather
  // recv is the start of the result and send this rank's block of it).
  bool inPlace;
  int root;  // broadcast and reduce: the root rank (Options::root)
  // Alltoallv: this rank's blocks (SizePlan::blocks; send and receive layouts are equal, so in
  // place uses them as they are); null for the other collectives.
  const PeerBlocks* blocks;
};

class CollectiveRunner {
 public:
  virtual ~CollectiveRunner() = default;
  virtual std::string title() const = 0;  // "fccl-perf", "mpi-perf (Open MPI 4.1.4)"
  // Why this tool cannot run that combination (printed as a '#' line, then skipped); empty if it
  // can. `op` is empty for collectives without reduction.
  virtual std::string unsupported(Collective c, fcclDataType_t t, std::optional<fcclRedOp_t> op) const = 0;
  // Where an in-place result starts, in elements into the one buffer. NCCL's layout by default;
  // MPI's in-place reduce-scatter leaves it at the start instead.
  virtual size_t inPlaceResultOffset(Collective, const SizePlan& p) const { return p.recvInPlaceOffset; }
  // Runs the collective once and returns when the result is in `recv`.
  virtual Outcome run(const CollArgs& a) = 0;
  // Memory of the tool's own for -R 1 (nullptr: plain host memory, which -R 1 then says).
  virtual BufferSource* registeredMemory() { return nullptr; }
};

// Every type, op and size of `o`, out of place and in place; rank 0 prints to `out`.
// `wrong` receives the number of wrong elements summed over everything (0 when -c 0).
Outcome runSweep(const Options& o, CollectiveRunner& runner, ControlPlane& control, std::FILE* out, int64_t& wrong);

// The rank of this process as its launcher tells it (Open MPI, PMI, PMIx, FCCL_RANK), or 0:
// lets a tool print a usage error once, before any communicator exists.
int launcherRank();

}  // namespace fccl::perf
