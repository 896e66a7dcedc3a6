#include "bootstrap/root_registry.h"

#include <pthread.h>
#include <unistd.h>

#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "common/log.h"

namespace fccl::bootstrap {
namespace {

struct RegisteredThread {
  std::atomic<bool> stop{false};
  std::atomic<bool> finished{false};
  std::atomic<bool> started{false};
  pid_t owner = ::getpid();
  std::thread thread;
};

void lockForFork() { rootForkGuard().lock(); }
void unlockAfterFork() { rootForkGuard().unlock(); }

class Registry {
 public:
  static Registry& instance() {
    // Logging's statics are set up before the registry, so they are destroyed after it: a root
    // thread may log until the moment it is joined.
    (void)logEnabled(LogLevel::kWarn, Subsys::kBootstrap);
    static Registry registry;
    return registry;
  }

  Status start(std::function<void(const std::atomic<bool>&)> body) {
    static const int atfork = pthread_atfork(&lockForFork, &unlockAfterFork, &unlockAfterFork);
    if (atfork != 0) return Status(Code::kSystem, "pthread_atfork failed: cannot make the root thread fork-safe");
    std::lock_guard lock(mutex_);
    reapFinished();
    auto entry = std::make_unique<RegisteredThread>();
    RegisteredThread* raw = entry.get();
    try {
      raw->thread = std::thread([raw, body = std::move(body)] {
        raw->started.store(true, std::memory_order_release);
        raw->started.notify_one();
        body(raw->stop);
        raw->finished.store(true, std::memory_order_release);
      });
    } catch (const std::system_error& e) {  // the only exception std::thread throws
      return Status(Code::kSystem, std::string("cannot start the bootstrap root thread: ") + e.what());
    }
    // A thread's start-up (the C library's, a sanitizer runtime's) allocates before the body can
    // take the fork guard; a fork meanwhile would hand the child a locked allocator.
    raw->started.wait(false, std::memory_order_acquire);
    threads_.push_back(std::move(entry));
    return Status::ok();
  }

  ~Registry() {
    std::lock_guard lock(mutex_);
    for (auto& entry : threads_) {
      if (entry->owner != ::getpid()) {
        // Inherited through fork(): the thread lives only in the parent. Joining or destroying
        // its std::thread here would be undefined, so the record is deliberately leaked.
        (void)entry.release();
        continue;
      }
      entry->stop.store(true, std::memory_order_release);
      if (entry->thread.joinable()) entry->thread.join();
    }
  }

 private:
  void reapFinished() {
    std::vector<std::unique_ptr<RegisteredThread>> kept;
    for (auto& entry : threads_) {
      if (entry->owner == ::getpid() && entry->finished.load(std::memory_order_acquire)) {
        entry->thread.join();
      } else {
        kept.push_back(std::move(entry));
      }
    }
    threads_ = std::move(kept);
  }

  std::mutex mutex_;
  std::vector<std::unique_ptr<RegisteredThread>> threads_;
};

}  // namespace

std::mutex& rootForkGuard() {
  // Never destroyed: fork handlers and root threads may use it until the very end.
  static std::mutex* guard = new std::mutex;
  return *guard;
}

Status startRegisteredThread(std::function<void(const std::atomic<bool>& stop)> body) {
  return Registry::instance().start(std::move(body));
}

}  // namespace fccl::bootstrap
