// Waiting without starving the peer we wait for. Ranks often outnumber cores, so a wait spins
// briefly (the answer is usually close), then yields the core, then sleeps with a growing
// period. Every wait has a deadline and an abort flag; neither is optional.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace fccl {

class Deadline {
 public:
  using Clock = std::chrono::steady_clock;
  static Deadline afterMs(int64_t ms) { return Deadline(Clock::now() + std::chrono::milliseconds(ms)); }
  bool expired() const { return Clock::now() >= end_; }
  int64_t remainingMs() const {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end_ - Clock::now()).count();
    return left > 0 ? left : 0;
  }

 private:
  explicit Deadline(Clock::time_point end) : end_(end) {}
  Clock::time_point end_;
};

class Backoff {
 public:
  // How many rounds a wait spins before it yields, for every wait made from now on in this
  // process. Where ranks outnumber the cores the peer we wait for needs our core: spinning only
  // delays it, so communicators that find their host oversubscribed set this low.
  static constexpr uint32_t kDefaultSpinRounds = 64;
  static void setSpinRounds(uint32_t rounds);
  static uint32_t spinRounds();

  Backoff() : spinRounds_(spinRounds()) {}
  // One round of waiting; spins first, then yields the core, then sleeps with a growing period.
  void pause();
  void reset() {
    rounds_ = 0;
    sleeping_ = false;
    sleepNs_ = kMinSleepNs;
  }
  // True every so often: at the first spin, every 16th yield, every sleep. Time to check the
  // deadline, the abort flag and the peers' health, which cost a syscall each; checking on every
  // yield would double the syscalls of a wait that is only a few microseconds long.
  // Whether the wait has gone past spinning and yielding: it is no longer a short one.
  bool sleeping() const { return sleeping_; }
  bool timeToCheck() const { return rounds_ == 0 || sleeping_ || (rounds_ >= spinRounds_ && (rounds_ & 15) == 0); }

 private:
  static constexpr std::chrono::milliseconds kYieldPeriod{20};
  static constexpr long kMinSleepNs = 50000;
  static constexpr long kMaxSleepNs = 1000000;
  uint32_t spinRounds_;
  uint32_t rounds_ = 0;
  bool sleeping_ = false;
  long sleepNs_ = kMinSleepNs;
  Deadline::Clock::time_point yieldStart_{};
};

}  // namespace fccl
