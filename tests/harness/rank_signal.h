// A one-way signal between forked ranks, or from a rank to the test: a pipe made before the fork,
// so that every process holds both ends. Each raise() is taken by one await(), which has a
// deadline like every other wait of a test.
#pragma once

#include <poll.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>

namespace fccl::test {

class RankSignal {
 public:
  RankSignal() { REQUIRE(::pipe(fds_) == 0); }
  ~RankSignal() {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  RankSignal(const RankSignal&) = delete;
  RankSignal& operator=(const RankSignal&) = delete;

  void raise() const { (void)!::write(fds_[1], "x", 1); }
  // Whether a raise() came, now or within `timeout`.
  bool await(std::chrono::milliseconds timeout) const {
    pollfd p{fds_[0], POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return false;
    char c;
    return ::read(fds_[0], &c, 1) == 1;
  }

 private:
  int fds_[2] = {-1, -1};
};

}  // namespace fccl::test
