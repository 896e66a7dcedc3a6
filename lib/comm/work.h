// The work a communicator runs: collective calls and point-to-point calls as the API received
// them (already checked), operations that plan as they run, and the batch an fcclGroupEnd hands
// to one communicator.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "algorithms/algorithms.h"
#include "algorithms/exchange/exchange_plan.h"
#include "common/status.h"
#include "fccl/fccl.h"
#include "runtime/call_label.h"

namespace fccl {

struct CollectiveCall {
  Collective collective;
  const void* input;
  void* output;
  size_t count;  // the API's count (see PlanRequest); per peer for all-to-all
  fcclDataType_t type;
  fcclRedOp_t op;
  int root = 0;                                   // broadcast and reduce
  std::shared_ptr<const AllToAllvLayout> layout = nullptr;  // all-to-allv: copied, the caller's arrays may go
};

// "alltoallv #12 (float)": a call as messages name it, formatted when read.
inline CallLabel labelOf(const CollectiveCall& call, uint64_t seq) {
  return CallLabel(call.collective, call.count, call.type, seq);
}

class Communicator;

// An operation that learns what to move only as it runs (a MoE dispatch exchanges its counts,
// then its tokens): it takes its turn like any call and moves bytes through the communicator's
// exchange steps (Communicator::gatherRows, exchangeBlocks). Its arguments were checked when
// the call was made.
class StagedOp {
 public:
  virtual ~StagedOp() = default;
  // `seq`: the operation's number in the communicator's order, for messages.
  virtual Status run(Communicator& comm, uint64_t seq) = 0;
};

struct PointToPointCall {
  bool send;
  int peer;
  void* buffer;
  size_t count;
  fcclDataType_t type;
};

// Collectives run one after the other in the order they were made, then the staged operations
// (never grouped, so a batch holding one holds nothing else); the point-to-point calls then run
// together as one exchange.
struct Batch {
  std::vector<CollectiveCall> collectives;
  std::vector<std::shared_ptr<StagedOp>> staged;
  std::vector<PointToPointCall> pointToPoint;
  bool empty() const { return collectives.empty() && staged.empty() && pointToPoint.empty(); }
};

}  // namespace fccl
