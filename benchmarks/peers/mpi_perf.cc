// mpi-perf: the fccl-perf sweep through Open MPI's own collectives (MPI_Allreduce, MPI_Allgather,
// MPI_Reduce_scatter_block, MPI_Alltoall, MPI_Alltoallv, MPI_Bcast, MPI_Reduce, MPI_Sendrecv; moe
// through MPI_Allgather and MPI_Alltoallv, mpi_moe.h) on the
// same data, checked the same way and printed in the same table, so that one run shows fccl beside
// the MPI it would replace.
//   mpirun -np 4 mpi-perf allreduce -b 8 -e 64M -f 4
#include <climits>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "mpi_control.h"
#include "mpi_moe.h"
#include "perf_args.h"
#include "perf_sweep.h"

namespace fccl::perf {
namespace {

class MpiRunner final : public CollectiveRunner {
 public:
  explicit MpiRunner(MPI_Comm comm) : comm_(comm) {
    MPI_Comm_rank(comm, &rank_);
    MPI_Comm_size(comm, &nranks_);
  }

  std::string title() const override { return "mpi-perf (" + mpiLibraryName() + ")"; }

  std::string unsupported(Collective, fcclDataType_t t, std::optional<fcclRedOp_t> op) const override {
    if (!mpiType(t)) return "MPI has no such datatype";
    if (op == fcclAvg) return "MPI has no average op";
    return {};
  }

  // MPI's in-place reduce-scatter reads the whole input from recvbuf and leaves this rank's
  // block at its start, not at rank * recvcount as NCCL does.
  size_t inPlaceResultOffset(Collective c, const SizePlan& p) const override {
    return c == Collective::kReduceScatter ? 0 : p.recvInPlaceOffset;
  }

  Outcome run(const CollArgs& a) override {
    if (a.count > static_cast<size_t>(INT_MAX)) return {"count " + std::to_string(a.count) + " exceeds MPI's int"};
    if (a.blocks) FCCL_PERF_TRY(toInts(*a.blocks));
    const int count = static_cast<int>(a.count);
    const MPI_Datatype type = *mpiType(a.type);
    const void* send = a.inPlace ? MPI_IN_PLACE : a.send;
    int rc = MPI_SUCCESS;
    switch (a.coll) {
      case Collective::kAllReduce:
        rc = MPI_Allreduce(send, a.recv, count, type, mpiOp(a.op), comm_);
        break;
      case Collective::kAllGather:
        rc = MPI_Allgather(send, count, type, a.recv, count, type, comm_);
        break;
      case Collective::kReduceScatter:
        rc = MPI_Reduce_scatter_block(send, a.recv, count, type, mpiOp(a.op), comm_);
        break;
      case Collective::kAllToAll:
        rc = MPI_Alltoall(send, count, type, a.recv, count, type, comm_);
        break;
      case Collective::kAllToAllv:  // in place, MPI reads the receive layout only (here the same)
        rc = MPI_Alltoallv(send, blocks_[0].data(), blocks_[1].data(), type, a.recv, blocks_[2].data(),
                           blocks_[3].data(), type, comm_);
        break;
      case Collective::kSendRecv: {  // to rank + 1, from rank - 1; in place in one buffer as nccl-tests
        const int next = (rank_ + 1) % nranks_, prev = (rank_ + nranks_ - 1) % nranks_;
        rc = a.inPlace
                 ? MPI_Sendrecv_replace(a.recv, count, type, next, 0, prev, 0, comm_, MPI_STATUS_IGNORE)
                 : MPI_Sendrecv(a.send, count, type, next, 0, a.recv, count, type, prev, 0, comm_, MPI_STATUS_IGNORE);
        break;
      }
      case Collective::kBroadcast:  // out of place as NCCL: the root copies its input, then MPI_Bcast
        if (rank_ == a.root && !a.inPlace) std::memcpy(a.recv, a.send, a.count * typeSize(a.type));
        rc = MPI_Bcast(a.recv, count, type, a.root, comm_);
        break;
      case Collective::kReduce:  // MPI_IN_PLACE is for the root only; the others send their buffer
        rc = MPI_Reduce(rank_ == a.root ? send : a.send, a.recv, count, type, mpiOp(a.op), a.root, comm_);
        break;
      case Collective::kMoe:
        return {"moe runs through its own sweep (perf_moe.h), not as one collective call"};
    }
    if (rc == MPI_SUCCESS) return {};
    return {std::string(collectiveName(a.coll)) + " failed with MPI error " + std::to_string(rc)};
  }

 private:
  static MPI_Op mpiOp(fcclRedOp_t op) {
    switch (op) {
      case fcclProd:
        return MPI_PROD;
      case fcclMax:
        return MPI_MAX;
      case fcclMin:
        return MPI_MIN;
      default:
        return MPI_SUM;
    }
  }

  // Alltoallv's blocks as MPI's ints, into vectors kept from call to call (no allocation once
  // they have grown): send counts, send displacements, receive counts, receive displacements.
  Outcome toInts(const PeerBlocks& b) {
    const std::vector<size_t>* from[4] = {&b.sendCounts, &b.sendDispls, &b.recvCounts, &b.recvDispls};
    for (int k = 0; k < 4; ++k) {
      blocks_[k].resize(from[k]->size());
      for (size_t i = 0; i < from[k]->size(); ++i) {
        const size_t v = (*from[k])[i];
        if (v > static_cast<size_t>(INT_MAX)) return {"alltoallv block " + std::to_string(v) + " exceeds MPI's int"};
        blocks_[k][i] = static_cast<int>(v);
      }
    }
    return {};
  }

  MPI_Comm comm_;
  int rank_ = 0;
  int nranks_ = 1;
  std::vector<int> blocks_[4];
};

int run(int argc, char** argv) {
  const ParseResult parsed = parseArgs(std::vector<std::string>(argv + 1, argv + argc));
  const bool printer = launcherRank() == 0;
  if (!parsed.options) {
    if (printer) std::fprintf(stderr, "mpi-perf: %s\nTry 'mpi-perf -h'.\n", parsed.error.c_str());
    return 2;
  }
  if (parsed.options->help) {
    if (printer) std::fputs(usage("mpi-perf").c_str(), stdout);
    return 0;
  }
  MpiSession session(&argc, &argv);
  MpiControl control(MPI_COMM_WORLD);
  if (std::string why = checkRoot(*parsed.options, control.nranks()); !why.empty()) {
    if (control.rank() == 0) std::fprintf(stderr, "mpi-perf: %s\n", why.c_str());
    return 2;
  }
  MpiRunner runner(MPI_COMM_WORLD);
  MpiMoeRunner moe(MPI_COMM_WORLD);
  int64_t wrong = 0;
  const Outcome r = parsed.options->collective == Collective::kMoe
                        ? runMoeSweep(*parsed.options, moe, control, stdout, wrong)
                        : runSweep(*parsed.options, runner, control, stdout, wrong);
  if (!r.ok()) {
    std::fprintf(stderr, "mpi-perf: rank %d: %s\n", control.rank(), r.error.c_str());
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  return wrong == 0 ? 0 : 1;
}

}  // namespace
}  // namespace fccl::perf

int main(int argc, char** argv) { return fccl::perf::run(argc, argv); }
