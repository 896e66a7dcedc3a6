// C entry points of the MoE calls (fccl_moe.h): check what can be checked when the call is made,
// make the layout, and submit the operation (lib/moe/moe_ops.h) in the communicator's order.
// What only the run knows (expert ids, the rows each rank receives) is checked when it runs.
#include <limits>
#include <memory>
#include <string>

#include "api/group.h"
#include "api/guard.h"
#include "api/live_handles.h"
#include "common/dtype.h"
#include "fccl/fccl_moe.h"
#include "moe/moe_kernels.h"
#include "moe/moe_ops.h"

// The handle the caller holds. The operations it queued share its state.
struct fcclMoeLayout {
  std::shared_ptr<fccl::MoeState> state;
};

using fccl::Code;
using fccl::Status;
namespace api = fccl::api;

namespace {

constexpr size_t kMaxSize = std::numeric_limits<size_t>::max();

// a * b * c bytes fit a size (and an address range starting at a pointer).
bool fits(size_t a, size_t b, size_t c) {
  size_t ab = 0, abc = 0;
  return !__builtin_mul_overflow(a, b, &ab) && !__builtin_mul_overflow(ab, c, &abc) && abc <= kMaxSize / 2;
}

Status checkDispatch(const void* tokens, const int32_t* expertIds, size_t numTokens, size_t hidden, int topk,
                     fcclDataType_t datatype, const int32_t* expertToRank, int numExperts, const void* recvTokens,
                     size_t recvCapacity, fcclMoeLayout_t* layout, const fccl::Communicator& comm) {
  if (!layout) return Status(Code::kInvalidArgument, "layout (the output pointer) is NULL");
  if (!fccl::validType(datatype) || !fccl::combinable(datatype))
    return Status(Code::kInvalidArgument, "datatype " + std::to_string(static_cast<int>(datatype)) +
                                              " is not one MoE rows take (fcclFloat32, fcclBfloat16, fcclFloat16)");
  if (hidden == 0) return Status(Code::kInvalidArgument, "hidden is 0");
  if (topk < 1) return Status(Code::kInvalidArgument, "topk is " + std::to_string(topk) + ", must be at least 1");
  if (numExperts < 1) return Status(Code::kInvalidArgument, "numExperts is " + std::to_string(numExperts) + ", must be at least 1");
  if (!expertToRank) return Status(Code::kInvalidArgument, "expertToRank is NULL");
  const size_t elem = fccl::typeSize(datatype);
  if (!fits(numTokens, static_cast<size_t>(topk), 1) || !fits(numTokens, static_cast<size_t>(topk) * hidden, elem) ||
      !fits(numTokens, hidden, elem))
    return Status(Code::kInvalidArgument, "numTokens " + std::to_string(numTokens) + " x topk " + std::to_string(topk) +
                                              " x hidden " + std::to_string(hidden) + " overflows the buffer size");
  if (!fits(recvCapacity, hidden, elem))
    return Status(Code::kInvalidArgument, "recvCapacity " + std::to_string(recvCapacity) + " x hidden " +
                                              std::to_string(hidden) + " overflows the buffer size");
  if (numTokens > 0 && !tokens) return Status(Code::kInvalidArgument, "tokens is NULL");
  if (numTokens > 0 && !expertIds) return Status(Code::kInvalidArgument, "expertIds is NULL");
  if (recvCapacity > 0 && !recvTokens) return Status(Code::kInvalidArgument, "recvTokens is NULL with a recvCapacity of " + std::to_string(recvCapacity));
  return fccl::checkExpertMap({expertToRank, static_cast<size_t>(numExperts)}, comm.nranks());
}

fccl::Expected<fccl::MoeState*> liveLayout(fcclMoeLayout_t layout) {
  if (!layout) return Status(Code::kInvalidArgument, "layout is NULL");
  if (!api::isLiveHandle(layout)) return Status(Code::kInvalidArgument, "layout is not a live MoE layout (destroyed?)");
  return layout->state.get();
}

}  // namespace

extern "C" {

fcclResult_t fcclMoeDispatch(const void* tokens, const int32_t* expertIds, size_t numTokens, size_t hidden, int topk,
                             fcclDataType_t datatype, const int32_t* expertToRank, int numExperts, void* recvTokens,
                             size_t recvCapacity, size_t* recvExpertCounts, fcclMoeLayout_t* layout, fcclComm_t comm,
                             fcclStream_t stream) {
  return api::guard("fcclMoeDispatch", [&]() -> Status {
    return api::failingGroup([&]() -> Status {
      if (layout) *layout = nullptr;
      FCCL_ASSIGN_OR_RETURN(auto* c, api::asComm(comm));
      FCCL_TRY(checkDispatch(tokens, expertIds, numTokens, hidden, topk, datatype, expertToRank, numExperts, recvTokens,
                             recvCapacity, layout, *c));
      auto state = std::make_shared<fccl::MoeState>();
      state->comm = c;
      state->numTokens = numTokens;
      state->shape = fccl::MoeShape{hidden, topk, datatype, {expertToRank, expertToRank + numExperts}};
      auto handle = std::make_unique<fcclMoeLayout>(fcclMoeLayout{state});
      const fccl::MoeDispatchArgs args{tokens, expertIds, recvTokens, recvCapacity, recvExpertCounts};
      FCCL_TRY(api::submit(*c, stream, fccl::moeDispatchOp(args, std::move(state))));
      api::addLiveHandle(handle.get());
      *layout = handle.release();
      return Status::ok();
    }());
  });
}

fcclResult_t fcclMoeCombine(const void* expertOut, const float* weights, void* out, fcclMoeLayout_t layout,
                            fcclComm_t comm, fcclStream_t stream) {
  return api::guard("fcclMoeCombine", [&]() -> Status {
    return api::failingGroup([&]() -> Status {
      FCCL_ASSIGN_OR_RETURN(auto* c, api::asComm(comm));
      FCCL_ASSIGN_OR_RETURN(fccl::MoeState * state, liveLayout(layout));
      if (state->comm != c) return Status(Code::kInvalidArgument, "layout belongs to another communicator");
      if (state->numTokens > 0 && !out) return Status(Code::kInvalidArgument, "out is NULL");
      const fccl::MoeCombineArgs args{expertOut, weights, out};
      return api::submit(*c, stream, fccl::moeCombineOp(args, layout->state));
    }());
  });
}

fcclResult_t fcclMoeLayoutDestroy(fcclMoeLayout_t layout) {
  return api::guard("fcclMoeLayoutDestroy", [&]() -> Status {
    if (!layout) return Status::ok();  // like free(NULL)
    FCCL_TRY(liveLayout(layout).status());
    api::removeLiveHandle(layout);
    std::unique_ptr<fcclMoeLayout> owned(layout);  // queued work holds its own share of the state
    return Status::ok();
  });
}

}  // extern "C"
