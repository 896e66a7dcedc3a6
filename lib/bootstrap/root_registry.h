// Owns the root service threads of this process. A thread is told to stop and joined when the
// process exits (it looks at its stop flag at least every 100 ms), so no root thread ever runs
// while static objects are being destroyed. Threads that finished are joined when the next one
// starts. In a child forked from the owner the threads do not exist: their records are left
// alone rather than joined.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>

#include "common/status.h"

namespace fccl::bootstrap {

// A process may fork while a root thread runs: tests and some launchers make the id and then
// fork the ranks. The child inherits every lock as it was at that instant, so had the root
// thread been holding OpenSSL's random-generator lock or the logger's, the child's first
// RAND_bytes or log line would wait forever. A root thread therefore holds this guard
// whenever it is not waiting in poll(), and fork() takes it first (pthread_atfork): a child
// is only ever forked while every root thread sits idle in poll().
std::mutex& rootForkGuard();

// Runs body(stop) on a new thread owned by the registry; body returns soon after stop is set.
// kSystem when no thread can be started.
Status startRegisteredThread(std::function<void(const std::atomic<bool>& stop)> body);

}  // namespace fccl::bootstrap
