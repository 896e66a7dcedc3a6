// Send and receive. Inside startCoalescing/endCoalescing (batch_isend_irecv) they join the
// group's fccl group, where any pattern of exchanges completes; alone, a send waits for its
// receive in the communicator's call order, as in NCCL.
#include <ATen/ATen.h>

#include "process_group.h"
#include "tensor_checks.h"
#include "type_map.h"

namespace fccl::pytorch {

c10::intrusive_ptr<c10d::Work> FcclProcessGroup::send(std::vector<at::Tensor>& tensors, int dstRank, int /* tag */) {
  at::Tensor& tensor = singleTensor(tensors, "send");
  checkRank(dstRank, getSize(), "dstRank", "send");
  const WireType wire = wireTypeOf(tensor.scalar_type());
  StagedTensors staged;
  const at::Tensor source = staged.input(tensor);
  return enqueue(c10d::OpType::SEND, "fccl:send", tensors, std::move(staged), [&](fcclStream_t stream) {
    return fcclSend(source.data_ptr(), wire.count(source.numel()), wire.type, dstRank, comm(), stream);
  });
}

c10::intrusive_ptr<c10d::Work> FcclProcessGroup::recv(std::vector<at::Tensor>& tensors, int srcRank, int /* tag */) {
  at::Tensor& tensor = singleTensor(tensors, "recv");
  checkRank(srcRank, getSize(), "srcRank", "recv");
  const WireType wire = wireTypeOf(tensor.scalar_type());
  StagedTensors staged;
  const at::Tensor result = staged.output(tensor);
  return enqueue(c10d::OpType::RECV, "fccl:recv", tensors, std::move(staged), [&](fcclStream_t stream) {
    return fcclRecv(result.data_ptr(), wire.count(result.numel()), wire.type, srcRank, comm(), stream);
  });
}

}  // namespace fccl::pytorch
