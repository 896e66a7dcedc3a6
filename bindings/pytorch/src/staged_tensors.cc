#include "staged_tensors.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

namespace fccl::pytorch {

at::Tensor StagedTensors::input(const at::Tensor& t) {
  at::Tensor buffer = t.contiguous();
  kept_.push_back(buffer);
  return buffer;
}

at::Tensor StagedTensors::output(const at::Tensor& t) {
  if (t.is_contiguous()) {
    kept_.push_back(t);
    return t;
  }
  at::Tensor buffer = at::empty(t.sizes(), t.options().memory_format(at::MemoryFormat::Contiguous));
  copyBackLater(buffer, t);
  return buffer;
}

at::Tensor StagedTensors::inPlace(const at::Tensor& t) {
  if (t.is_contiguous()) {
    kept_.push_back(t);
    return t;
  }
  at::Tensor buffer = t.contiguous();
  copyBackLater(buffer, t);
  return buffer;
}

void StagedTensors::copyBackLater(at::Tensor result, at::Tensor target) {
  copies_.emplace_back(std::move(result), std::move(target));
}

void StagedTensors::keep(at::Tensor t) { kept_.push_back(std::move(t)); }

void StagedTensors::copyBack() {
  c10::AutoGradMode noGrad(false);
  for (auto& [result, target] : copies_) target.copy_(result.view(target.sizes()));
}

void StagedTensors::release() {
  kept_.clear();
  copies_.clear();
}

}  // namespace fccl::pytorch
