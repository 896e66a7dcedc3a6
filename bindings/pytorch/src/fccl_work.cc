#include "fccl_work.h"

#include <ATen/core/jit_type.h>
#include <c10/util/Exception.h>

#include <utility>

#include "fccl_check.h"

namespace fccl::pytorch {

FcclWork::FcclWork(int rank, c10d::OpType type, const char* title, std::vector<at::Tensor> outputs, StreamLease stream,
                   StagedTensors staged)
    : c10d::Work(rank, type, title),
      title_(title),
      outputs_(std::move(outputs)),
      stream_(stream.get()),
      lease_(std::move(stream)),
      staged_(std::move(staged)),
      future_(c10::make_intrusive<c10::ivalue::Future>(c10::ListType::create(c10::TensorType::get()))) {}

bool FcclWork::wait(std::chrono::milliseconds timeout) {
  // Inside a group the call is only recorded: it would wait for a launch that can never come.
  TORCH_CHECK(launched_.load(), "fccl: ", title_, ": wait() before the end of its coalescing group (",
              "batch_isend_irecv); the group's calls start when it ends");
  if (timeout == kNoTimeout) finishWhenDone();
  return c10d::Work::wait(timeout);
}

void FcclWork::finishWhenDone() {
  if (claimed_.load()) return;  // finished, or being finished: c10d::Work::wait waits for it
  const fcclResult_t result = fcclStreamSynchronize(stream_);
  // A failure's message is this thread's last error: read it before any other fccl call.
  const std::string failure = result == fcclSuccess ? std::string() : describeFailure(result, title_);
  if (claimed_.exchange(true)) return;
  std::exception_ptr error;
  try {
    TORCH_CHECK(result == fcclSuccess, failure);
    staged_.copyBack();
  } catch (...) {
    error = std::current_exception();
  }
  complete(error);
}

void FcclWork::fail(std::exception_ptr error) {
  if (!claimed_.exchange(true)) complete(std::move(error));
}

void FcclWork::complete(std::exception_ptr error) {
  staged_.release();
  lease_.reset();
  c10d::Work::finish(error);
  // Last: the future's callbacks (DDP's bucket handling) run here and may look at the work.
  if (error) {
    future_->setError(error);
  } else {
    future_->markCompleted(c10::IValue(outputs_));
  }
}

}  // namespace fccl::pytorch
