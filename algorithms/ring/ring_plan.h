// What every ring plan shares: a ring of one only copies; otherwise each channel takes its share
// of the elements and `fillChannel(share, steps)` writes that channel's steps.
#pragma once

#include <utility>

#include "algorithms/algorithms.h"
#include "algorithms/common/local_plan.h"
#include "algorithms/common/partition.h"

namespace fccl {

template <class FillChannel>
Plan buildRingPlan(const PlanRequest& req, FillChannel&& fillChannel) {
  if (req.ring.size() == 1) return localCopyPlan("ring", req.count, req.channels);
  Plan plan{"ring", std::vector<Channel>(static_cast<size_t>(req.channels))};
  for (int c = 0; c < req.channels; ++c)
    fillChannel(partOf(req.count, req.channels, c), plan.channels[static_cast<size_t>(c)].steps);
  return plan;
}

}  // namespace fccl
