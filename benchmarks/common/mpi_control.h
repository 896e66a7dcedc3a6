// ControlPlane over MPI: used by mpi-perf, and by fccl-perf when mpirun launched it, so that the
// numbers that judge fccl (#wrong, times) never travel through fccl itself there.
#pragma once

#include <mpi.h>

#include <optional>
#include <string>

#include "perf_sweep.h"

namespace fccl::perf {

class MpiControl final : public ControlPlane {
 public:
  explicit MpiControl(MPI_Comm comm);
  int rank() const override { return rank_; }
  int nranks() const override { return nranks_; }
  Outcome barrier() override;
  Outcome sumInt64(int64_t& value) override;
  Outcome combine(double& value, Combine how) override;
  Outcome gatherRanks(const RankRecord& mine, std::vector<RankRecord>& all) override;

 private:
  MPI_Comm comm_;
  int rank_ = 0;
  int nranks_ = 1;
};

// MPI_Init / MPI_Finalize for the life of main().
class MpiSession {
 public:
  MpiSession(int* argc, char*** argv) { MPI_Init(argc, argv); }
  ~MpiSession() { MPI_Finalize(); }
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
};

// The MPI datatype for an fccl type; empty when MPI has none (half, bfloat16, fp8).
std::optional<MPI_Datatype> mpiType(fcclDataType_t t);
// "Open MPI 4.1.4", or the first words of MPI_Get_library_version for another MPI.
std::string mpiLibraryName();

}  // namespace fccl::perf
