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
  // One round of waiting; each call waits a little longer than the one before.
  void pause();
  void reset() { rounds_ = 0; }
  // True every so often (about every few milliseconds once sleeping): time to check the
  // deadline, the abort flag and the peer's health, which cost more than a load.
  bool timeToCheck() const { return rounds_ < kSpinRounds ? (rounds_ & 255) == 0 : true; }

 private:
  static constexpr uint32_t kSpinRounds = 1024;
  static constexpr uint32_t kYieldRounds = 64;
  uint32_t rounds_ = 0;
};

}  // namespace fccl
