// fccl's side of fccl-perf: the collective under test, and the control plane over the same
// communicator for launches without MPI. Implemented in fccl-perf/ (the only part that links
// libfccl); declared here beside the interfaces it implements.
#pragma once

#include <string>

#include "fccl/fccl.h"
#include "perf_sweep.h"

namespace fccl::perf {

// "<fcclGetErrorString(result)>: <fcclGetLastError(comm)>"; comm may be null.
std::string fcclFailure(fcclResult_t result, fcclComm_t comm);

class FcclRunner final : public CollectiveRunner {
 public:
  explicit FcclRunner(fcclComm_t comm) : comm_(comm) {}
  std::string title() const override { return "fccl-perf"; }
  std::string unsupported(Collective c, fcclDataType_t t, std::optional<fcclRedOp_t> op) const override;
  Outcome run(const CollArgs& a) override;

 private:
  fcclComm_t comm_;
};

// Barriers and sums through fccl collectives on the communicator under test (stream NULL).
class FcclControl final : public ControlPlane {
 public:
  FcclControl(fcclComm_t comm, int rank, int nranks) : comm_(comm), rank_(rank), nranks_(nranks) {}
  int rank() const override { return rank_; }
  int nranks() const override { return nranks_; }
  Outcome barrier() override;
  Outcome sumInt64(int64_t& value) override;
  Outcome combine(double& value, Combine how) override;
  Outcome gatherRanks(const RankRecord& mine, std::vector<RankRecord>& all) override;

 private:
  fcclComm_t comm_;
  int rank_;
  int nranks_;
};

}  // namespace fccl::perf
