#include "common/wait.h"

#include <sched.h>

#include <atomic>
#include <time.h>

namespace fccl {

namespace {
std::atomic<uint32_t> gSpinRounds{Backoff::kDefaultSpinRounds};
}  // namespace

void Backoff::setSpinRounds(uint32_t rounds) { gSpinRounds.store(rounds, std::memory_order_relaxed); }
uint32_t Backoff::spinRounds() { return gSpinRounds.load(std::memory_order_relaxed); }

void Backoff::pause() {
  if (rounds_ < spinRounds_) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
  } else if (rounds_ == spinRounds_) {
    yieldStart_ = Deadline::Clock::now();
    sched_yield();
  } else if (!sleeping_) {
    // Yielding hands the core to a peer that is runnable (ranks often outnumber cores) and costs
    // well under a microsecond when none is; sleeping would add the timer's slack (~50 us) to
    // every hop. So yield for a while, and sleep only once the wait is clearly a long one.
    sched_yield();
    if ((rounds_ & 63) == 0 && Deadline::Clock::now() - yieldStart_ > kYieldPeriod) sleeping_ = true;
  } else {
    timespec ts{0, sleepNs_};
    nanosleep(&ts, nullptr);
    if (sleepNs_ < kMaxSleepNs) sleepNs_ *= 2;
  }
  if (rounds_ < 0xffffffffu) ++rounds_;
}

}  // namespace fccl
