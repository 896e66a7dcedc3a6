// All-gather and reduce-scatter, each in torch's two forms: a list of per-rank tensors, and one
// flat buffer of all ranks' blocks (_allgather_base, _reduce_scatter_base). The list forms go
// through one packed buffer, so each is still a single fccl call.
#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include "process_group.h"
#include "tensor_checks.h"
#include "type_map.h"

namespace fccl::pytorch {
namespace {

// Packs `tensors` into one new contiguous buffer, in order.
at::Tensor pack(const std::vector<at::Tensor>& tensors) {
  std::vector<at::Tensor> flat;
  flat.reserve(tensors.size());
  for (const at::Tensor& t : tensors) flat.push_back(t.reshape({-1}));
  return at::cat(flat);
}

}  // namespace

c10::intrusive_ptr<c10d::Work> FcclProcessGroup::allgather(std::vector<std::vector<at::Tensor>>& outputTensors,
                                                           std::vector<at::Tensor>& inputTensors,
                                                           const c10d::AllgatherOptions& /* opts */) {
  at::Tensor& input = singleTensor(inputTensors, "allgather");
  TORCH_CHECK(outputTensors.size() == 1, "fccl allgather: expects one output list per rank, got ",
              outputTensors.size());
  std::vector<at::Tensor>& outputs = outputTensors[0];
  TORCH_CHECK(outputs.size() == static_cast<size_t>(getSize()), "fccl allgather: expects ", getSize(),
              " output tensors (one per rank), got ", outputs.size());
  checkLike(outputs, input, /*sameSize=*/true, "allgather");
  const WireType wire = wireTypeOf(input.scalar_type());
  StagedTensors staged;
  const at::Tensor source = staged.input(input);
  const at::Tensor gathered = at::empty({input.numel() * getSize()}, input.options());
  staged.keep(gathered);
  for (int r = 0; r < getSize(); ++r)
    staged.copyBackLater(gathered.narrow(0, r * input.numel(), input.numel()), outputs[r]);
  return enqueue(c10d::OpType::ALLGATHER, "fccl:allgather", outputs, std::move(staged), [&](fcclStream_t stream) {
    return fcclAllGather(source.data_ptr(), gathered.data_ptr(), wire.count(source.numel()), wire.type, comm(), stream);
  });
}

c10::intrusive_ptr<c10d::Work> FcclProcessGroup::_allgather_base(at::Tensor& outputBuffer, at::Tensor& inputBuffer,
                                                                 const c10d::AllgatherOptions& /* opts */) {
  checkHostTensor(inputBuffer, "_allgather_base");
  checkLike({outputBuffer}, inputBuffer, /*sameSize=*/false, "_allgather_base");
  TORCH_CHECK(outputBuffer.numel() == inputBuffer.numel() * getSize(), "fccl _allgather_base: the output has ",
              outputBuffer.numel(), " elements, expected ", getSize(), " x ", inputBuffer.numel());
  const WireType wire = wireTypeOf(inputBuffer.scalar_type());
  StagedTensors staged;
  const at::Tensor source = staged.input(inputBuffer);
  const at::Tensor gathered = staged.output(outputBuffer);
  return enqueue(c10d::OpType::_ALLGATHER_BASE, "fccl:_allgather_base", {outputBuffer}, std::move(staged),
                 [&](fcclStream_t stream) {
                   return fcclAllGather(source.data_ptr(), gathered.data_ptr(), wire.count(source.numel()), wire.type,
                                        comm(), stream);
                 });
}

c10::intrusive_ptr<c10d::Work> FcclProcessGroup::reduce_scatter(std::vector<at::Tensor>& outputTensors,
                                                                std::vector<std::vector<at::Tensor>>& inputTensors,
                                                                const c10d::ReduceScatterOptions& opts) {
  at::Tensor& output = singleTensor(outputTensors, "reduce_scatter");
  TORCH_CHECK(inputTensors.size() == 1, "fccl reduce_scatter: expects one input list per rank, got ",
              inputTensors.size());
  const std::vector<at::Tensor>& inputs = inputTensors[0];
  TORCH_CHECK(inputs.size() == static_cast<size_t>(getSize()), "fccl reduce_scatter: expects ", getSize(),
              " input tensors (one per rank), got ", inputs.size());
  checkLike(inputs, output, /*sameSize=*/true, "reduce_scatter");
  const fcclDataType_t type = reductionType(output, "reduce_scatter");
  const fcclRedOp_t op = reductionOp(opts.reduceOp, "reduce_scatter");
  StagedTensors staged;
  const at::Tensor packed = pack(inputs);
  staged.keep(packed);
  const at::Tensor result = staged.output(output);
  return enqueue(
      c10d::OpType::REDUCE_SCATTER, "fccl:reduce_scatter", outputTensors, std::move(staged), [&](fcclStream_t stream) {
        return fcclReduceScatter(packed.data_ptr(), result.data_ptr(), result.numel(), type, op, comm(), stream);
      });
}

c10::intrusive_ptr<c10d::Work> FcclProcessGroup::_reduce_scatter_base(at::Tensor& outputBuffer, at::Tensor& inputBuffer,
                                                                      const c10d::ReduceScatterOptions& opts) {
  checkHostTensor(outputBuffer, "_reduce_scatter_base");
  checkLike({inputBuffer}, outputBuffer, /*sameSize=*/false, "_reduce_scatter_base");
  TORCH_CHECK(inputBuffer.numel() == outputBuffer.numel() * getSize(), "fccl _reduce_scatter_base: the input has ",
              inputBuffer.numel(), " elements, expected ", getSize(), " x ", outputBuffer.numel());
  const fcclDataType_t type = reductionType(outputBuffer, "_reduce_scatter_base");
  const fcclRedOp_t op = reductionOp(opts.reduceOp, "_reduce_scatter_base");
  StagedTensors staged;
  const at::Tensor source = staged.input(inputBuffer);
  const at::Tensor result = staged.output(outputBuffer);
  return enqueue(c10d::OpType::_REDUCE_SCATTER_BASE, "fccl:_reduce_scatter_base", {outputBuffer}, std::move(staged),
                 [&](fcclStream_t stream) {
                   return fcclReduceScatter(source.data_ptr(), result.data_ptr(), result.numel(), type, op, comm(),
                                            stream);
                 });
}

}  // namespace fccl::pytorch
