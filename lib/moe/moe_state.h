// What an fcclMoeLayout_t holds: the shape and routing of one dispatch, and what its combines
// need to send the expert outputs back and sum them in token order. Made when the dispatch is
// called, filled when it runs; the queued operations share it with the handle, so a handle
// destroyed before they run leaves them what they use.
//
// Thread safety: the fields set at creation never change; the others are written by the dispatch
// and read by the combines, which run one after another in the communicator's call order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "algorithms/exchange/block_layout.h"
#include "algorithms/moe/moe_routing.h"
#include "fccl/fccl.h"
#include "moe/staging_pool.h"

namespace fccl {

class Communicator;

struct MoeState {
  // Set at creation.
  const Communicator* comm = nullptr;  // the communicator the layout belongs to (identity only)
  MoeShape shape;
  size_t numTokens = 0;

  // Set when the dispatch has run.
  bool ready = false;
  std::vector<int64_t> sendRow;  // the packed row of each (token, slot), -1 dropped (routeTokens)
  BlockLayout combine;           // the dispatch's blocks reversed, in elements
  size_t recvRows = 0;
  StagingBuffer staging;  // this rank's packed rows: sent by the dispatch, received back by combines

  size_t rowBytes() const;
};

}  // namespace fccl
