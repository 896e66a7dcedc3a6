// Gather into a root and scatter from it. fccl has no collective of either, so each is the
// root's point-to-point exchange with every other rank, in one fccl group (the root's receives,
// or sends, then run together instead of one peer after another); the root's own block is a
// local copy.
#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include "process_group.h"
#include "tensor_checks.h"
#include "type_map.h"

namespace fccl::pytorch {
namespace {

// Runs `calls` between fcclGroupStart and fcclGroupEnd; the first failure wins.
template <class Calls>
fcclResult_t inGroup(const Calls& calls) {
  if (fcclResult_t r = fcclGroupStart(); r != fcclSuccess) return r;
  const fcclResult_t made = calls();
  const fcclResult_t launched = fcclGroupEnd();
  return made != fcclSuccess ? made : launched;
}

}  // namespace

c10::intrusive_ptr<c10d::Work> FcclProcessGroup::gather(std::vector<std::vector<at::Tensor>>& outputTensors,
                                                        std::vector<at::Tensor>& inputTensors,
                                                        const c10d::GatherOptions& opts) {
  at::Tensor& input = singleTensor(inputTensors, "gather");
  checkRank(opts.rootRank, getSize(), "rootRank", "gather");
  const int root = static_cast<int>(opts.rootRank);
  const bool atRoot = getRank() == root;
  TORCH_CHECK(outputTensors.size() == (atRoot ? 1u : 0u), "fccl gather: expects ",
              atRoot ? "one output list" : "no output", " on rank ", getRank(), ", got ", outputTensors.size());
  std::vector<at::Tensor> outputs = atRoot ? outputTensors[0] : std::vector<at::Tensor>{};
  if (atRoot) {
    TORCH_CHECK(outputs.size() == static_cast<size_t>(getSize()), "fccl gather: expects ", getSize(),
                " output tensors (one per rank), got ", outputs.size());
    checkLike(outputs, input, /*sameSize=*/true, "gather");
  }
  const WireType wire = wireTypeOf(input.scalar_type());
  StagedTensors staged;
  const at::Tensor source = staged.input(input);
  std::vector<at::Tensor> blocks;  // at the root: where each rank's block lands
  for (int r = 0; r < static_cast<int>(outputs.size()); ++r)
    blocks.push_back(r == root ? source : staged.output(outputs[r]));
  if (atRoot) staged.copyBackLater(source, outputs[root]);
  return enqueue(c10d::OpType::GATHER, "fccl:gather", outputs, std::move(staged), [&](fcclStream_t stream) {
    return inGroup([&] {
      const size_t count = wire.count(source.numel());
      if (!atRoot) return fcclSend(source.data_ptr(), count, wire.type, root, comm(), stream);
      for (int r = 0; r < getSize(); ++r)
        if (r != root)
          if (fcclResult_t res = fcclRecv(blocks[r].data_ptr(), count, wire.type, r, comm(), stream);
              res != fcclSuccess)
            return res;
      return fcclSuccess;
    });
  });
}

c10::intrusive_ptr<c10d::Work> FcclProcessGroup::scatter(std::vector<at::Tensor>& outputTensors,
                                                         std::vector<std::vector<at::Tensor>>& inputTensors,
                                                         const c10d::ScatterOptions& opts) {
  at::Tensor& output = singleTensor(outputTensors, "scatter");
  checkRank(opts.rootRank, getSize(), "rootRank", "scatter");
  const int root = static_cast<int>(opts.rootRank);
  const bool atRoot = getRank() == root;
  TORCH_CHECK(inputTensors.size() == (atRoot ? 1u : 0u), "fccl scatter: expects ",
              atRoot ? "one input list" : "no input", " on rank ", getRank(), ", got ", inputTensors.size());
  const std::vector<at::Tensor> inputs = atRoot ? inputTensors[0] : std::vector<at::Tensor>{};
  if (atRoot) {
    TORCH_CHECK(inputs.size() == static_cast<size_t>(getSize()), "fccl scatter: expects ", getSize(),
                " input tensors (one per rank), got ", inputs.size());
    checkLike(inputs, output, /*sameSize=*/true, "scatter");
  }
  const WireType wire = wireTypeOf(output.scalar_type());
  StagedTensors staged;
  std::vector<at::Tensor> blocks;  // at the root: what each rank gets
  for (const at::Tensor& in : inputs) blocks.push_back(staged.input(in));
  const at::Tensor result = atRoot ? blocks[root] : staged.output(output);
  if (atRoot) staged.copyBackLater(result, output);
  return enqueue(c10d::OpType::SCATTER, "fccl:scatter", outputTensors, std::move(staged), [&](fcclStream_t stream) {
    return inGroup([&] {
      const size_t count = wire.count(output.numel());
      if (!atRoot) return fcclRecv(result.data_ptr(), count, wire.type, root, comm(), stream);
      for (int r = 0; r < getSize(); ++r)
        if (r != root)
          if (fcclResult_t res = fcclSend(blocks[r].data_ptr(), count, wire.type, r, comm(), stream);
              res != fcclSuccess)
            return res;
      return fcclSuccess;
    });
  });
}

}  // namespace fccl::pytorch
