// All-to-all: of one buffer split along its first dimension (alltoall_base, equal or given split
// sizes), and of lists of per-rank tensors (alltoall). Unequal blocks go through fcclAllToAllv.
#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <numeric>

#include "process_group.h"
#include "tensor_checks.h"
#include "type_map.h"

namespace fccl::pytorch {
namespace {

// One side of an all-to-all-v: per rank, how many wire elements and where they start.
struct BlockLayout {
  std::vector<size_t> counts;
  std::vector<size_t> displs;
};

BlockLayout layoutOf(const std::vector<size_t>& counts) {
  BlockLayout layout{counts, std::vector<size_t>(counts.size())};
  std::exclusive_scan(counts.begin(), counts.end(), layout.displs.begin(), size_t{0});
  return layout;
}

// The blocks of `t` split along dimension 0 into `splits` rows per rank (none given: equal
// parts), in wire elements.
BlockLayout splitLayout(const at::Tensor& t, const std::vector<int64_t>& splits, int size, const WireType& wire,
                        const char* side) {
  const int64_t rows = t.dim() == 0 ? 1 : t.size(0);
  const int64_t rowElements = rows == 0 ? 0 : t.numel() / rows;
  std::vector<size_t> counts(size);
  if (splits.empty()) {
    TORCH_CHECK(rows % size == 0, "fccl alltoall_base: the ", side, " has ", rows,
                " rows, which do not split evenly over ", size, " ranks");
    std::fill(counts.begin(), counts.end(), wire.count(rows / size * rowElements));
    return layoutOf(counts);
  }
  TORCH_CHECK(splits.size() == static_cast<size_t>(size), "fccl alltoall_base: ", side, " split sizes have ",
              splits.size(), " entries, expected ", size);
  int64_t total = 0;
  for (int r = 0; r < size; ++r) {
    TORCH_CHECK(splits[r] >= 0, "fccl alltoall_base: ", side, " split size ", splits[r], " is negative");
    counts[r] = wire.count(splits[r] * rowElements);
    total += splits[r];
  }
  TORCH_CHECK(total == rows, "fccl alltoall_base: ", side, " split sizes add up to ", total, ", but it has ", rows,
              " rows");
  return layoutOf(counts);
}

}  // namespace

c10::intrusive_ptr<c10d::Work> FcclProcessGroup::alltoall_base(at::Tensor& outputBuffer, at::Tensor& inputBuffer,
                                                               std::vector<int64_t>& outputSplitSizes,
                                                               std::vector<int64_t>& inputSplitSizes,
                                                               const c10d::AllToAllOptions& /* opts */) {
  checkHostTensor(inputBuffer, "alltoall_base");
  checkLike({outputBuffer}, inputBuffer, /*sameSize=*/false, "alltoall_base");
  const WireType wire = wireTypeOf(inputBuffer.scalar_type());
  const BlockLayout send = splitLayout(inputBuffer, inputSplitSizes, getSize(), wire, "input");
  const BlockLayout recv = splitLayout(outputBuffer, outputSplitSizes, getSize(), wire, "output");
  const bool equal = inputSplitSizes.empty() && outputSplitSizes.empty();
  TORCH_CHECK(!equal || send.counts == recv.counts, "fccl alltoall_base: equal splits of input (", inputBuffer.numel(),
              " elements) and output (", outputBuffer.numel(), " elements) differ in size");
  StagedTensors staged;
  const at::Tensor source = staged.input(inputBuffer);
  const at::Tensor result = staged.output(outputBuffer);
  return enqueue(
      c10d::OpType::ALLTOALL_BASE, "fccl:alltoall_base", {outputBuffer}, std::move(staged), [&](fcclStream_t stream) {
        if (equal) return fcclAllToAll(source.data_ptr(), result.data_ptr(), send.counts[0], wire.type, comm(), stream);
        return fcclAllToAllv(source.data_ptr(), send.counts.data(), send.displs.data(), result.data_ptr(),
                             recv.counts.data(), recv.displs.data(), wire.type, comm(), stream);
      });
}

c10::intrusive_ptr<c10d::Work> FcclProcessGroup::alltoall(std::vector<at::Tensor>& outputTensors,
                                                          std::vector<at::Tensor>& inputTensors,
                                                          const c10d::AllToAllOptions& /* opts */) {
  const size_t size = static_cast<size_t>(getSize());
  TORCH_CHECK(inputTensors.size() == size && outputTensors.size() == size, "fccl alltoall: expects ", size,
              " input and output tensors (one per rank), got ", inputTensors.size(), " and ", outputTensors.size());
  checkHostTensor(inputTensors[0], "alltoall");
  checkLike(inputTensors, inputTensors[0], /*sameSize=*/false, "alltoall");
  checkLike(outputTensors, inputTensors[0], /*sameSize=*/false, "alltoall");
  const WireType wire = wireTypeOf(inputTensors[0].scalar_type());
  std::vector<size_t> sendCounts, recvCounts;
  std::vector<at::Tensor> flatInputs;
  int64_t received = 0;
  for (size_t r = 0; r < size; ++r) {
    sendCounts.push_back(wire.count(inputTensors[r].numel()));
    recvCounts.push_back(wire.count(outputTensors[r].numel()));
    flatInputs.push_back(inputTensors[r].reshape({-1}));
    received += outputTensors[r].numel();
  }
  const BlockLayout send = layoutOf(sendCounts);
  const BlockLayout recv = layoutOf(recvCounts);
  StagedTensors staged;
  const at::Tensor packed = at::cat(flatInputs);
  const at::Tensor unpacked = at::empty({received}, outputTensors[0].options());
  staged.keep(packed);
  staged.keep(unpacked);
  int64_t offset = 0;
  for (const at::Tensor& out : outputTensors) {
    staged.copyBackLater(unpacked.narrow(0, offset, out.numel()), out);
    offset += out.numel();
  }
  return enqueue(c10d::OpType::ALLTOALL, "fccl:alltoall", outputTensors, std::move(staged), [&](fcclStream_t stream) {
    return fcclAllToAllv(packed.data_ptr(), send.counts.data(), send.displs.data(), unpacked.data_ptr(),
                         recv.counts.data(), recv.displs.data(), wire.type, comm(), stream);
  });
}

}  // namespace fccl::pytorch
