#include "device/stream.h"

#include <string>
#include <utility>

#include "common/catching.h"
#include "common/log.h"
#include "common/result_code.h"

namespace fccl {

// One launched item. Allocated by launch(), freed by runTask() on the stream's worker after the
// work ran, so nothing is held once the queue has moved past it.
struct Stream::Task {
  Stream* stream;
  std::function<Status()> work;
};

Expected<std::unique_ptr<Stream>> Stream::create() {
  FCCL_ASSIGN_OR_RETURN(Device * device, Device::process());
  FCCL_ASSIGN_OR_RETURN(void* native, device->streamCreate());
  return std::unique_ptr<Stream>(new Stream(device, native));
}

Stream::~Stream() {
  magic_ = 0;
  Status s = device_->streamDestroy(native_);  // waits: queued tasks still point at this Stream
  if (!s.isOk()) FCCL_WARN(Subsys::kInit, "destroying a stream: %s", s.message().c_str());
}

Status Stream::launch(std::function<Status()> work) {
  auto task = std::make_unique<Task>(Task{this, std::move(work)});
  FCCL_TRY(device_->streamLaunchHostFn(native_, &Stream::runTask, task.get()));
  task.release();  // queued: runTask owns it now
  return Status::ok();
}

// Runs on the device's worker, across a C boundary: no exception may leave.
fcclResult_t Stream::runTask(void* arg) {
  std::unique_ptr<Task> task(static_cast<Task*>(arg));
  Stream& stream = *task->stream;
  Status result = catching(task->work, " in stream work");
  if (result.isOk()) return fcclSuccess;
  // In-progress is no end state for work that has returned; keeping it would leave the stream
  // reporting "busy" forever.
  if (result.code() == Code::kInProgress)
    result = Status(Code::kInternal, "stream work returned 'in progress': " + result.message());
  return resultFromCode(stream.recordFailure(std::move(result)).code());
}

Status Stream::recordFailure(Status failure) {
  std::lock_guard lock(mutex_);
  if (failure_.isOk()) failure_ = std::move(failure);
  return failure_;
}

Status Stream::firstFailure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

Status Stream::synchronize() {
  Status s = device_->streamSynchronize(native_);
  if (s.isOk()) return s;
  Status failure = firstFailure();
  return failure.isOk() ? s : failure;  // the device's code alone, when no work of ours failed
}

Status Stream::query() {
  if (Status failure = firstFailure(); !failure.isOk()) return failure;
  Status s = device_->streamQuery(native_);
  if (s.isOk() || s.code() == Code::kInProgress) return s;
  Status failure = firstFailure();  // work may have failed since the first look
  return failure.isOk() ? s : failure;
}

Expected<Stream*> asStream(fcclStream_t stream) {
  if (stream == nullptr) return Status(Code::kInvalidArgument, "stream is NULL");
  auto* s = reinterpret_cast<Stream*>(stream);
  if (!s->valid()) return Status(Code::kInvalidArgument, "stream is not a live stream (destroyed?)");
  return s;
}

}  // namespace fccl
