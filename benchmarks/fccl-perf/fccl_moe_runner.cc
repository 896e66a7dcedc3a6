// The MoE benchmark through fccl: one fcclMoeDispatch per dispatch, fcclMoeCombine on the layout
// of the last one.
#include <algorithm>

#include "fccl_backend.h"

namespace fccl::perf {

FcclMoeRunner::~FcclMoeRunner() { fcclMoeLayoutDestroy(layout_); }

Outcome FcclMoeRunner::dispatch(MoeBuffers& b) {
  fcclMoeLayoutDestroy(layout_);
  layout_ = nullptr;
  b.expertCounts.resize(static_cast<size_t>(std::count(b.expertToRank.begin(), b.expertToRank.end(), b.rank)));
  const fcclResult_t r = fcclMoeDispatch(b.input.data(), b.ids.data(), b.tokens, b.hidden, b.topk, b.type,
                                         b.expertToRank.data(), b.experts, b.received.data(), b.capacity,
                                         b.expertCounts.data(), &layout_, comm_, nullptr);
  if (r != fcclSuccess) return {fcclFailure(r, comm_)};
  return {};
}

Outcome FcclMoeRunner::combine(MoeBuffers& b) {
  const fcclResult_t r = fcclMoeCombine(b.received.data(), b.weights.data(), b.out.data(), layout_, comm_, nullptr);
  if (r != fcclSuccess) return {fcclFailure(r, comm_)};
  return {};
}

}  // namespace fccl::perf
