// The host device's streams (fccl_device.h 1.1): each stream is one worker thread that runs a
// FIFO of host functions, so work queued on a stream runs one item at a time in queue order,
// while separate streams run side by side. Nothing polls: the worker sleeps on a condition
// variable until work arrives, and synchronize() sleeps until the queue is empty.
//
// Thread safety: every method may be called from any thread at once, except that the stream's
// own work must not call synchronize() or destroy it (it would wait for itself).
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "fccl/fccl_device.h"

namespace fccl {

class HostStream {
 public:
  using HostFn = fcclResult_t (*)(void* arg);

  // Starts the worker; throws std::system_error when no thread can be started.
  HostStream();
  // Runs everything already queued, then stops and joins the worker.
  ~HostStream();
  HostStream(const HostStream&) = delete;
  HostStream& operator=(const HostStream&) = delete;

  // Queues fn(arg) behind what is queued; returns at once. Throws std::bad_alloc (then nothing
  // was queued). fn runs even after an earlier error: it may own arg.
  void launch(HostFn fn, void* arg);
  // Waits until nothing is queued or running; returns the first error of any fn, or fcclSuccess.
  fcclResult_t synchronize();
  // The first error if any, else fcclInProgress while work remains, else fcclSuccess.
  fcclResult_t query();
  // True on the stream's own worker, where synchronize() and destruction would wait forever.
  bool onWorker() const { return std::this_thread::get_id() == worker_.get_id(); }

 private:
  struct Task {
    HostFn fn;
    void* arg;
  };
  void run();

  std::mutex mutex_;
  std::condition_variable workQueued_;  // the worker waits here for tasks (or stopping_)
  std::condition_variable drained_;     // synchronize() waits here for an empty, idle stream
  std::deque<Task> queue_;
  bool running_ = false;   // the worker is inside a fn (popped, not finished)
  bool stopping_ = false;  // set by the destructor; the worker exits once the queue is empty
  fcclResult_t sticky_ = fcclSuccess;
  std::thread worker_;  // last: starts only when everything it reads is built
};

}  // namespace fccl
