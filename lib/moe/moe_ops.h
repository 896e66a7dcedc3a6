// MoE dispatch and combine as operations of the communicator (StagedOp): each exchanges what it
// must learn first (the dispatch: every rank's row counts per expert), then moves the rows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "comm/work.h"
#include "moe/moe_state.h"

namespace fccl {

// The dispatch's arguments, checked by the API (expertIds is read, and checked, when it runs).
struct MoeDispatchArgs {
  const void* tokens;
  const int32_t* expertIds;
  void* recvTokens;
  size_t recvCapacity;       // rows
  size_t* recvExpertCounts;  // may be null
};

struct MoeCombineArgs {
  const void* expertOut;
  const float* weights;  // may be null
  void* out;
};

std::shared_ptr<StagedOp> moeDispatchOp(const MoeDispatchArgs& args, std::shared_ptr<MoeState> state);
std::shared_ptr<StagedOp> moeCombineOp(const MoeCombineArgs& args, std::shared_ptr<MoeState> state);

}  // namespace fccl
