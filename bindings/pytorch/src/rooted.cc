// The operations with a root: broadcast from it, reduce into it.
#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include "process_group.h"
#include "tensor_checks.h"
#include "type_map.h"

namespace fccl::pytorch {

c10::intrusive_ptr<c10d::Work> FcclProcessGroup::broadcast(std::vector<at::Tensor>& tensors,
                                                           const c10d::BroadcastOptions& opts) {
  at::Tensor& tensor = singleTensor(tensors, "broadcast");
  checkRank(opts.rootRank, getSize(), "rootRank", "broadcast");
  TORCH_CHECK(opts.rootTensor == 0, "fccl broadcast: rootTensor must be 0 (one tensor per rank)");
  const WireType wire = wireTypeOf(tensor.scalar_type());
  const int root = static_cast<int>(opts.rootRank);
  StagedTensors staged;
  // The root's tensor is only read, the others' only written.
  const at::Tensor buffer = getRank() == root ? staged.input(tensor) : staged.output(tensor);
  return enqueue(c10d::OpType::BROADCAST, "fccl:broadcast", tensors, std::move(staged), [&](fcclStream_t stream) {
    return fcclBroadcast(buffer.data_ptr(), buffer.data_ptr(), wire.count(buffer.numel()), wire.type, root, comm(),
                         stream);
  });
}

c10::intrusive_ptr<c10d::Work> FcclProcessGroup::reduce(std::vector<at::Tensor>& tensors,
                                                        const c10d::ReduceOptions& opts) {
  at::Tensor& tensor = singleTensor(tensors, "reduce");
  checkRank(opts.rootRank, getSize(), "rootRank", "reduce");
  TORCH_CHECK(opts.rootTensor == 0, "fccl reduce: rootTensor must be 0 (one tensor per rank)");
  const fcclDataType_t type = reductionType(tensor, "reduce");
  const fcclRedOp_t op = reductionOp(opts.reduceOp, "reduce");
  const int root = static_cast<int>(opts.rootRank);
  StagedTensors staged;
  // Only the root's tensor receives the result; the others are only read.
  const at::Tensor buffer = getRank() == root ? staged.inPlace(tensor) : staged.input(tensor);
  return enqueue(c10d::OpType::REDUCE, "fccl:reduce", tensors, std::move(staged), [&](fcclStream_t stream) {
    return fcclReduce(buffer.data_ptr(), buffer.data_ptr(), buffer.numel(), type, op, root, comm(), stream);
  });
}

}  // namespace fccl::pytorch
