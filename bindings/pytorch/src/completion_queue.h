// Finishes the process group's works: one thread waits for each work's stream in the order the
// works were issued, then finishes the work (copies back, completes wait() and the future) unless
// a caller of wait() did so first.
// The communicator runs its calls in issue order too, so the oldest work is always the next to
// be done and waiting for it first never delays a later one.
//
// Finishing in a thread of its own is what makes the works asynchronous to Python: a future's
// callbacks run as soon as its operation is done, whether or not anyone waits for it.
#pragma once

#include <c10/util/intrusive_ptr.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "fccl_work.h"

namespace fccl::pytorch {

class CompletionQueue {
 public:
  CompletionQueue();
  // Finishes every work pushed so far (waiting for their streams), then stops the thread.
  ~CompletionQueue();
  CompletionQueue(const CompletionQueue&) = delete;
  CompletionQueue& operator=(const CompletionQueue&) = delete;

  // `work` has been queued on its stream; it will be finished once that stream has run it.
  void push(c10::intrusive_ptr<FcclWork> work);

  // For the interpreter's exit (fccl_torch calls it from atexit, without the GIL). Finishing a
  // work may take the GIL (freeing a tensor a Python object hangs on, running a future's
  // callbacks), and once the interpreter is finalizing, a thread that takes the GIL is ended on
  // the spot, which aborts the process. So from here on the completion threads leave the works
  // they see done unfinished (nobody waits for them any more), and this waits for the finishes
  // already under way. It never waits for an operation to complete.
  static void stopFinishingForExit();

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable pushed_;
  std::deque<c10::intrusive_ptr<FcclWork>> pending_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the members it reads exist
};

}  // namespace fccl::pytorch
