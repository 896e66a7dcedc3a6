// fccl's side of fccl-perf: the collective under test, and the control plane over the same
// communicator for launches without MPI. Implemented in fccl-perf/ (the only part that links
// libfccl); declared here beside the interfaces it implements.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "fccl/fccl.h"
#include "perf_moe.h"
#include "perf_sweep.h"
#include "fccl/fccl_moe.h"

namespace fccl::perf {

// "<fcclGetErrorString(result)>: <fcclGetLastError(comm)>"; comm may be null.
std::string fcclFailure(fcclResult_t result, fcclComm_t comm);

class FcclRunner final : public CollectiveRunner {
 public:
  FcclRunner(fcclComm_t comm, int rank, int nranks) : comm_(comm), rank_(rank), nranks_(nranks) {}
  std::string title() const override { return "fccl-perf"; }
  // fccl runs every collective, type and op the tools know.
  std::string unsupported(Collective, fcclDataType_t, std::optional<fcclRedOp_t>) const override { return {}; }
  Outcome run(const CollArgs& a) override;
  BufferSource* registeredMemory() override { return &memory_; }

 private:
  fcclResult_t sendRecv(const CollArgs& a);

  // fcclMemAlloc memory, registered with the communicator for its life.
  class RegisteredMemory final : public BufferSource {
   public:
    explicit RegisteredMemory(fcclComm_t comm) : comm_(comm) {}
    char* allocate(size_t bytes) override;
    void release(char* data) override;

   private:
    fcclComm_t comm_;
    std::vector<std::pair<char*, void*>> handles_;  // (memory, registration)
  };

  fcclComm_t comm_;
  int rank_;
  int nranks_;
  RegisteredMemory memory_{comm_};  // after comm_, which it is made with
};

// fcclMoeDispatch and fcclMoeCombine (stream NULL); each dispatch replaces the layout the
// combines use.
class FcclMoeRunner final : public MoeRunner {
 public:
  explicit FcclMoeRunner(fcclComm_t comm) : comm_(comm) {}
  ~FcclMoeRunner() override;
  FcclMoeRunner(const FcclMoeRunner&) = delete;
  FcclMoeRunner& operator=(const FcclMoeRunner&) = delete;
  std::string title() const override { return "fccl-perf"; }
  Outcome dispatch(MoeBuffers& b) override;
  Outcome combine(MoeBuffers& b) override;

 private:
  fcclComm_t comm_;
  fcclMoeLayout_t layout_ = nullptr;
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
