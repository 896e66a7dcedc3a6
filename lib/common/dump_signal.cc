#include "common/dump_signal.h"

#include <signal.h>

#include <atomic>
#include <mutex>

#include "common/log.h"

namespace fccl {
namespace {

std::atomic<uint64_t> gSignals{0};
static_assert(std::atomic<uint64_t>::is_always_lock_free, "the signal handler needs a lock-free counter");

void onDumpSignal(int) { gSignals.fetch_add(1, std::memory_order_relaxed); }

}  // namespace

void installDumpSignal() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction current {};
    if (::sigaction(SIGUSR1, nullptr, &current) != 0) return;
    if (current.sa_handler != SIG_DFL || (current.sa_flags & SA_SIGINFO)) {
      FCCL_INFO(Subsys::kInit, "SIGUSR1 is the application's: no wait-state dumps on it");
      return;
    }
    struct sigaction action {};
    action.sa_handler = onDumpSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    ::sigaction(SIGUSR1, &action, nullptr);
  });
}

uint64_t dumpSignalCount() { return gSignals.load(std::memory_order_relaxed); }

}  // namespace fccl
