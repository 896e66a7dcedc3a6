// fccl-perf: nccl-tests' sweep (same flags, same table) through libfccl.
//
// Two ways to start the ranks:
//   mpirun -np 4 fccl-perf allreduce -b 8 -e 64M -f 4
//       rank 0 creates the unique id and MPI_Bcasts it; MPI also carries the barriers, times and
//       #wrong sums, so a broken fccl cannot vouch for itself.
//   FCCL_RANK=r FCCL_NRANKS=n FCCL_COMM_ID=host:port FCCL_COMM_SECRET=... fccl-perf ...
//       every rank passes an all-zero id; the library, seeing it, takes the rendezvous from
//       FCCL_COMM_ID / FCCL_COMM_SECRET. With neither set, one rank runs alone with its own id.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "calibrate.h"
#include "fccl_backend.h"
#include "perf_args.h"
#include "perf_sweep.h"
#ifdef FCCL_PERF_HAVE_MPI
#include "mpi_control.h"
#endif

namespace fccl::perf {
namespace {

// Owns the communicator: destroyed after a clean run, aborted (which always returns) after a
// failure, so a rank that gives up does not wait for peers that never come.
class Communicator {
 public:
  Communicator() = default;
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;
  ~Communicator() {
    if (comm_) fcclCommDestroy(comm_);
  }
  fcclComm_t* out() { return &comm_; }
  fcclComm_t get() const { return comm_; }
  void abort() {
    if (comm_) fcclCommAbort(comm_);
    comm_ = nullptr;
  }

 private:
  fcclComm_t comm_ = nullptr;
};

// -r against the job's size, before any communicator exists; rank 0 says why.
bool rootOk(const Options& o, int rank, int nranks) {
  const std::string why = checkRoot(o, nranks);
  if (!why.empty() && rank == 0) std::fprintf(stderr, "fccl-perf: %s\n", why.c_str());
  return why.empty();
}

int fail(int rank, const std::string& message) {
  std::fprintf(stderr, "fccl-perf: rank %d: %s\n", rank, message.c_str());
  return 1;
}

// The sweep over an initialised communicator; the exit code. After a failure `stopPeers` (if
// any) runs: under mpirun the peers may be blocked in MPI, where fcclCommAbort cannot reach.
int sweep(const Options& o, Communicator& comm, ControlPlane& control, void (*stopPeers)() = nullptr) {
  FcclRunner runner(comm.get(), control.rank(), control.nranks());
  FcclMoeRunner moe(comm.get());
  int64_t wrong = 0;
  const Outcome r = !o.calibratePath.empty()          ? calibrate(o.calibratePath, comm.get(), control)
                    : o.collective == Collective::kMoe ? runMoeSweep(o, moe, control, stdout, wrong)
                                                       : runSweep(o, runner, control, stdout, wrong);
  if (!r.ok()) {
    comm.abort();
    fail(control.rank(), r.error);
    if (stopPeers) stopPeers();
    return 1;
  }
  return wrong == 0 ? 0 : 1;
}

std::optional<int> envInt(const char* name, int fallback) {
  const char* text = std::getenv(name);
  if (!text) return fallback;
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || v < 0 || v > 1 << 24) return std::nullopt;
  return static_cast<int>(v);
}

int runFromEnv(const Options& o) {
  const auto rank = envInt("FCCL_RANK", 0), nranks = envInt("FCCL_NRANKS", 1);
  if (!rank || !nranks || *nranks < 1 || *rank >= *nranks) {
    std::fprintf(stderr, "fccl-perf: FCCL_RANK and FCCL_NRANKS must be integers with 0 <= FCCL_RANK < FCCL_NRANKS\n");
    return 2;
  }
  if (!rootOk(o, *rank, *nranks)) return 2;
  fcclUniqueId id;
  std::memset(&id, 0, sizeof(id));  // all zero: the library reads FCCL_COMM_ID / FCCL_COMM_SECRET
  if (!std::getenv("FCCL_COMM_ID")) {
    if (*nranks > 1) {
      std::fprintf(stderr,
                   "fccl-perf: FCCL_NRANKS=%d needs FCCL_COMM_ID (rank 0's rendezvous host:port) and "
                   "FCCL_COMM_SECRET, or launch with mpirun\n",
                   *nranks);
      return 2;
    }
    if (fcclResult_t r = fcclGetUniqueId(&id); r != fcclSuccess) return fail(*rank, fcclFailure(r, nullptr));
  }
  Communicator comm;
  if (fcclResult_t r = fcclCommInitRank(comm.out(), *nranks, id, *rank); r != fcclSuccess)
    return fail(*rank, fcclFailure(r, nullptr));
  FcclControl control(comm.get(), *rank, *nranks);
  return sweep(o, comm, control);
}

bool launchedByMpi() {
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"})
    if (std::getenv(name)) return true;
  return false;
}

#ifdef FCCL_PERF_HAVE_MPI
// A rank that fails here MPI_Aborts the job: its peers may be inside fcclCommInitRank or an MPI
// call waiting for it, and only the launcher can stop them at once.
int runUnderMpi(const Options& o, int* argc, char*** argv) {
  MpiSession session(argc, argv);
  MpiControl control(MPI_COMM_WORLD);
  const int rank = control.rank();
  if (!rootOk(o, rank, control.nranks())) return 2;
  fcclUniqueId id;
  std::memset(&id, 0, sizeof(id));
  int idResult = fcclSuccess;
  if (rank == 0) idResult = fcclGetUniqueId(&id);
  if (rank == 0 && idResult != fcclSuccess) fail(rank, fcclFailure(static_cast<fcclResult_t>(idResult), nullptr));
  MPI_Bcast(&idResult, 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (idResult != fcclSuccess) return 1;
  MPI_Bcast(&id, sizeof(id), MPI_BYTE, 0, MPI_COMM_WORLD);
  Communicator comm;
  if (fcclResult_t r = fcclCommInitRank(comm.out(), control.nranks(), id, rank); r != fcclSuccess) {
    fail(rank, fcclFailure(r, nullptr));
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  return sweep(o, comm, control, [] { MPI_Abort(MPI_COMM_WORLD, 1); });
}
#endif

int run(int argc, char** argv) {
  const ParseResult parsed = parseArgs(std::vector<std::string>(argv + 1, argv + argc));
  const bool printer = launcherRank() == 0;
  if (!parsed.options) {
    if (printer) std::fprintf(stderr, "fccl-perf: %s\nTry 'fccl-perf -h'.\n", parsed.error.c_str());
    return 2;
  }
  const Options& o = *parsed.options;
  if (o.help) {
    if (printer) std::fputs(usage("fccl-perf").c_str(), stdout);
    return 0;
  }
  if (launchedByMpi() && !std::getenv("FCCL_RANK")) {
#ifdef FCCL_PERF_HAVE_MPI
    return runUnderMpi(o, &argc, &argv);
#else
    if (printer) std::fprintf(stderr, "fccl-perf: built without MPI: launch the ranks with FCCL_RANK/FCCL_NRANKS\n");
    return 2;
#endif
  }
  return runFromEnv(o);
}

}  // namespace
}  // namespace fccl::perf

int main(int argc, char** argv) { return fccl::perf::run(argc, argv); }
