// The work a communicator runs: collective calls and point-to-point calls as the API received
// them (already checked), and the batch an fcclGroupEnd hands to one communicator.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "algorithms/algorithms.h"
#include "algorithms/exchange/exchange_plan.h"
#include "fccl/fccl.h"

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

struct PointToPointCall {
  bool send;
  int peer;
  void* buffer;
  size_t count;
  fcclDataType_t type;
};

// Collectives run one after the other in the order they were made; the point-to-point calls
// then run together as one exchange.
struct Batch {
  std::vector<CollectiveCall> collectives;
  std::vector<PointToPointCall> pointToPoint;
  bool empty() const { return collectives.empty() && pointToPoint.empty(); }
};

}  // namespace fccl
