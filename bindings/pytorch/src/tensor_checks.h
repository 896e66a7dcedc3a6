// Argument checks shared by the operations: what torch hands a process group is validated here,
// before anything reaches fccl, and a refusal names the operation and what was wrong.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace fccl::pytorch {

// fccl's host device works on host memory: a dense (strided) CPU tensor.
void checkHostTensor(const at::Tensor& tensor, const char* op);

// The one tensor of a tensor list (torch's list form is for several devices per process; fccl
// drives one device per rank), checked with checkHostTensor.
at::Tensor& singleTensor(std::vector<at::Tensor>& tensors, const char* op);

// Every tensor of `tensors` is a host tensor of `like`'s type, and (when `sameSize`) of its
// element count.
void checkLike(const std::vector<at::Tensor>& tensors, const at::Tensor& like, bool sameSize, const char* op);

// `rank` names a member of a group of `size` ranks.
void checkRank(int64_t rank, int size, const char* what, const char* op);

}  // namespace fccl::pytorch
