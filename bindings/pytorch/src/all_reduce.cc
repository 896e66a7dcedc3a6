// All-reduce, of one tensor or of many (coalesced).
#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include "process_group.h"
#include "tensor_checks.h"
#include "type_map.h"

namespace fccl::pytorch {

c10::intrusive_ptr<c10d::Work> FcclProcessGroup::allreduce(std::vector<at::Tensor>& tensors,
                                                           const c10d::AllreduceOptions& opts) {
  at::Tensor& tensor = singleTensor(tensors, "allreduce");
  const fcclDataType_t type = reductionType(tensor, "allreduce");
  const fcclRedOp_t op = reductionOp(opts.reduceOp, "allreduce");
  StagedTensors staged;
  const at::Tensor buffer = staged.inPlace(tensor);
  return enqueue(c10d::OpType::ALLREDUCE, "fccl:allreduce", tensors, std::move(staged), [&](fcclStream_t stream) {
    return fcclAllReduce(buffer.data_ptr(), buffer.data_ptr(), buffer.numel(), type, op, comm(), stream);
  });
}

// Many small tensors (an optimizer's state, a model's buffers) in one call: packed into one
// buffer, reduced, and copied back. torch requires them to share one type.
c10::intrusive_ptr<c10d::Work> FcclProcessGroup::allreduce_coalesced(std::vector<at::Tensor>& tensors,
                                                                     const c10d::AllreduceCoalescedOptions& opts) {
  TORCH_CHECK(!tensors.empty(), "fccl allreduce_coalesced: no tensors");
  checkHostTensor(tensors[0], "allreduce_coalesced");
  checkLike(tensors, tensors[0], /*sameSize=*/false, "allreduce_coalesced");
  const fcclDataType_t type = reductionType(tensors[0], "allreduce_coalesced");
  const fcclRedOp_t op = reductionOp(opts.reduceOp, "allreduce_coalesced");
  std::vector<at::Tensor> flat;
  for (const at::Tensor& t : tensors) flat.push_back(t.reshape({-1}));
  StagedTensors staged;
  const at::Tensor pack = at::cat(flat);
  staged.keep(pack);
  int64_t offset = 0;
  for (const at::Tensor& t : tensors) {
    staged.copyBackLater(pack.narrow(0, offset, t.numel()), t);
    offset += t.numel();
  }
  return enqueue(c10d::OpType::ALLREDUCE_COALESCED, "fccl:allreduce_coalesced", tensors, std::move(staged),
                 [&](fcclStream_t stream) {
                   return fcclAllReduce(pack.data_ptr(), pack.data_ptr(), pack.numel(), type, op, comm(), stream);
                 });
}

}  // namespace fccl::pytorch
