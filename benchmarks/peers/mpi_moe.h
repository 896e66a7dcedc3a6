// The MoE benchmark through MPI, the way a framework does it without a MoE call: the counts per
// expert through MPI_Allgather, rows packed by destination, one MPI_Alltoallv, then a local
// reorder from source-major to expert-major (what fccl_moe.h delivers); combine reorders back,
// MPI_Alltoallv returns the rows, and the weighted sum is the same as fccl's.
#pragma once

#include <mpi.h>

#include <vector>

#include "perf_moe.h"

namespace fccl::perf {

class MpiMoeRunner final : public MoeRunner {
 public:
  explicit MpiMoeRunner(MPI_Comm comm) : comm_(comm) {}
  std::string title() const override;
  Outcome dispatch(MoeBuffers& b) override;
  Outcome combine(MoeBuffers& b) override;

 private:
  // Copies rows between the layout MPI_Alltoallv receives (by source, then the expert) and the
  // one the experts read (by expert, then the source): to the experts' when `toExperts`.
  void reorder(const MoeBuffers& b, char* bySource, char* byExpert, bool toExperts) const;

  MPI_Comm comm_;
  MoePacking packing_;
  std::vector<uint64_t> counts_;  // [rank * experts + e]: rows each rank sends each expert
  std::vector<int> sendBytes_, sendDispls_, recvBytes_, recvDispls_;
  std::vector<char> packed_, bySource_;
};

}  // namespace fccl::perf
