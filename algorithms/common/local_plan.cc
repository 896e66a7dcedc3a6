#include "algorithms/common/local_plan.h"

#include "algorithms/common/partition.h"

namespace fccl {

Plan localCopyPlan(std::string algorithm, size_t count, int channels) {
  Plan plan{std::move(algorithm), std::vector<Channel>(static_cast<size_t>(channels))};
  for (int c = 0; c < channels; ++c) {
    const Range share = partOf(count, channels, c);
    plan.channels[static_cast<size_t>(c)].steps.push_back({Prim::kCopy, kNoPeer, kNoPeer,
                                                           Slice{Buffer::kInput, share.offset, share.count},
                                                           Slice{Buffer::kOutput, share.offset, share.count}});
  }
  return plan;
}

}  // namespace fccl
