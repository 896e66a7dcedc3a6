// What a call on the fccl process group returns: the handle of one operation queued on an fccl
// stream. It owns everything the operation needs while it runs (its stream lease, its staged
// buffers) and gives them up when it is finished.
//
// Finishing is done once, by whichever sees the operation's stream done first: the
// CompletionQueue, or wait() (the caller then wakes straight from the stream rather than through
// the queue's thread, which saves a thread hand-off per call). Then the results are copied back
// into the caller's tensors, the work is marked complete for wait() and isCompleted(), and its
// future (DDP's gradient buckets wait on it) gets the output tensors, or the error with fccl's
// message.
#pragma once

#include <ATen/core/ivalue.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <torch/csrc/distributed/c10d/Work.hpp>
#include <vector>

#include "fccl/fccl.h"
#include "staged_tensors.h"
#include "stream_pool.h"

namespace fccl::pytorch {

class FcclWork : public c10d::Work {
 public:
  // `title` names the operation in the profiler and in error messages ("fccl:allreduce"); it
  // must outlive the work (a string literal).
  FcclWork(int rank, c10d::OpType type, const char* title, std::vector<at::Tensor> outputs, StreamLease stream,
           StagedTensors staged);

  // Without a timeout, waits on the operation's stream itself and finishes the work if the
  // completion queue has not; then as c10d::Work::wait (rethrows the operation's error).
  bool wait(std::chrono::milliseconds timeout = kNoTimeout) override;
  std::vector<at::Tensor> result() override { return outputs_; }
  c10::intrusive_ptr<c10::ivalue::Future> getFuture() override { return future_; }

  // Waits until the operation's stream has run it (and what was queued there before).
  void waitForStream() const { fcclStreamSynchronize(stream_); }
  // Waits for the operation's stream and finishes the work, unless another thread got there
  // first. Safe from any thread, any number of times, once the work is launched.
  void finishWhenDone();
  // The operation is on its stream: made outside a group, or its group has been launched.
  void markLaunched() { launched_.store(true); }
  // The operation never ran (its group failed to launch).
  void fail(std::exception_ptr error);

 private:
  void complete(std::exception_ptr error);

  const char* title_;
  std::vector<at::Tensor> outputs_;
  // The handle outlives the lease: a thread still waiting on the stream after the work was
  // finished elsewhere may read it (the pool destroys streams only when the group goes).
  const fcclStream_t stream_;
  StreamLease lease_;
  std::atomic<bool> launched_{false};
  std::atomic<bool> claimed_{false};  // a thread has taken on finishing the work
  StagedTensors staged_;
  c10::intrusive_ptr<c10::ivalue::Future> future_;
};

}  // namespace fccl::pytorch
