#include "completion_queue.h"

#include <atomic>
#include <thread>
#include <utility>

namespace fccl::pytorch {

CompletionQueue::CompletionQueue() : thread_([this] { run(); }) {}

CompletionQueue::~CompletionQueue() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  pushed_.notify_one();
  thread_.join();
}

void CompletionQueue::push(c10::intrusive_ptr<FcclWork> work) {
  {
    std::lock_guard lock(mutex_);
    pending_.push_back(std::move(work));
  }
  pushed_.notify_one();
}

namespace {

// stopFinishingForExit() and the completion threads: a thread counts itself in `gFinishing`
// before it looks at `gExiting`, and the exit sets `gExiting` before it waits for the count to
// drop to zero, so every finish either started before the exit began (and is waited for) or sees
// the flag (and does not start).
std::atomic<bool> gExiting{false};
std::atomic<int> gFinishing{0};

}  // namespace

void CompletionQueue::stopFinishingForExit() {
  gExiting.store(true);
  while (gFinishing.load() > 0) std::this_thread::yield();  // a finish takes microseconds
}

void CompletionQueue::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    pushed_.wait(lock, [&] { return !pending_.empty() || stopping_; });
    if (pending_.empty()) return;  // stopping, and every work is finished
    c10::intrusive_ptr<FcclWork> work = std::move(pending_.front());
    pending_.pop_front();
    lock.unlock();
    work->waitForStream();
    gFinishing.fetch_add(1);
    if (gExiting.load()) {
      work.release();  // left as it is: dropping it could take the GIL
    } else {
      work->finishWhenDone();
      work.reset();  // the last reference may free tensors (and take the GIL)
    }
    gFinishing.fetch_sub(1);
    lock.lock();
  }
}

}  // namespace fccl::pytorch
