#include "common/wait.h"

#include <sched.h>
#include <time.h>

namespace fccl {

void Backoff::pause() {
  if (rounds_ < kSpinRounds) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
  } else if (rounds_ < kSpinRounds + kYieldRounds) {
    sched_yield();
  } else {
    // 20 us growing to 1 ms: short enough for latency, long enough to hand the core over.
    uint32_t sleeps = rounds_ - kSpinRounds - kYieldRounds;
    long ns = 20000L << (sleeps < 6 ? sleeps : 6);
    if (ns > 1000000L) ns = 1000000L;
    timespec ts{0, ns};
    nanosleep(&ts, nullptr);
  }
  if (rounds_ < 0xffffffffu) ++rounds_;
}

}  // namespace fccl
