#include "device/host_stream.h"

#include <utility>

#include "common/thread_placement.h"

namespace fccl {

HostStream::HostStream() : worker_([this] { run(); }) {}

HostStream::~HostStream() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  workQueued_.notify_one();
  worker_.join();
}

void HostStream::launch(HostFn fn, void* arg) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back({fn, arg});
  }
  workQueued_.notify_one();
}

fcclResult_t HostStream::synchronize() {
  std::unique_lock lock(mutex_);
  drained_.wait(lock, [&] { return queue_.empty() && !running_; });
  return sticky_;
}

fcclResult_t HostStream::query() {
  std::lock_guard lock(mutex_);
  if (sticky_ != fcclSuccess) return sticky_;
  return queue_.empty() && !running_ ? fcclSuccess : fcclInProgress;
}

// The worker. fn runs without the lock held, so other threads keep queuing and querying while it
// runs, and fn itself may queue more work on this stream.
void HostStream::run() {
  placeProgressThread("stream worker");
  std::unique_lock lock(mutex_);
  for (;;) {
    workQueued_.wait(lock, [&] { return !queue_.empty() || stopping_; });
    if (queue_.empty()) return;  // stopping, and everything queued has run
    const Task task = queue_.front();
    queue_.pop_front();
    running_ = true;
    lock.unlock();
    const fcclResult_t result = task.fn(task.arg);
    lock.lock();
    running_ = false;
    if (sticky_ == fcclSuccess && result != fcclSuccess) sticky_ = result;
    if (queue_.empty()) drained_.notify_all();
  }
}

}  // namespace fccl
