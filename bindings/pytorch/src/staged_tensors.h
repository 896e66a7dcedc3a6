// The memory of one operation as fccl sees it. fccl reads and writes contiguous buffers, and on
// a stream it does so after the call has returned, so this object
//   - hands out contiguous buffers for the caller's tensors (the tensors themselves when they are
//     contiguous already, else copies),
//   - keeps every buffer alive until the operation is done (the work object owns it), and
//   - copies results from buffers into the caller's tensors once the operation is done.
// Not thread-safe; one thread fills it, then one thread (the one finishing the work) calls
// copyBack().
#pragma once

#include <ATen/core/Tensor.h>

#include <utility>
#include <vector>

namespace fccl::pytorch {

class StagedTensors {
 public:
  // A contiguous tensor with `t`'s values, for fccl to read.
  at::Tensor input(const at::Tensor& t);
  // A contiguous tensor of `t`'s shape for fccl to write; copied into `t` by copyBack() unless it
  // is `t` itself.
  at::Tensor output(const at::Tensor& t);
  // Both: read and written in place (all-reduce, broadcast).
  at::Tensor inPlace(const at::Tensor& t);
  // Copies `result` (typically a slice of a buffer) into `target` in copyBack().
  void copyBackLater(at::Tensor result, at::Tensor target);
  // Keeps `t` alive until the operation is done.
  void keep(at::Tensor t);

  // Once the operation is done: copies every result into its target. Runs without autograd
  // recording; the copies are the tail of the collective, not a step of the user's graph.
  void copyBack();
  // Drops every buffer (after copyBack, or when the operation failed).
  void release();

 private:
  std::vector<at::Tensor> kept_;
  std::vector<std::pair<at::Tensor, at::Tensor>> copies_;  // (result, target)
};

}  // namespace fccl::pytorch
