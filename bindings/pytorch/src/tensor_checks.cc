#include "tensor_checks.h"

#include <c10/util/Exception.h>

namespace fccl::pytorch {

void checkHostTensor(const at::Tensor& tensor, const char* op) {
  TORCH_CHECK(tensor.defined(), "fccl ", op, ": tensor is undefined");
  TORCH_CHECK(tensor.device().is_cpu(), "fccl ", op, ": fccl takes CPU tensors, got one on ", tensor.device());
  TORCH_CHECK(tensor.layout() == c10::kStrided, "fccl ", op, ": fccl takes dense tensors, got layout ",
              tensor.layout());
}

at::Tensor& singleTensor(std::vector<at::Tensor>& tensors, const char* op) {
  TORCH_CHECK(tensors.size() == 1, "fccl ", op, ": expects exactly one tensor per rank, got ", tensors.size());
  checkHostTensor(tensors[0], op);
  return tensors[0];
}

void checkLike(const std::vector<at::Tensor>& tensors, const at::Tensor& like, bool sameSize, const char* op) {
  for (const at::Tensor& t : tensors) {
    checkHostTensor(t, op);
    TORCH_CHECK(t.scalar_type() == like.scalar_type(), "fccl ", op, ": tensors must share one type, got ",
                t.scalar_type(), " and ", like.scalar_type());
    TORCH_CHECK(!sameSize || t.numel() == like.numel(), "fccl ", op, ": tensors must have the same number of ",
                "elements, got ", t.numel(), " and ", like.numel());
  }
}

void checkRank(int64_t rank, int size, const char* what, const char* op) {
  TORCH_CHECK(rank >= 0 && rank < size, "fccl ", op, ": ", what, " is ", rank, ", must be in [0, ", size, ")");
}

}  // namespace fccl::pytorch
