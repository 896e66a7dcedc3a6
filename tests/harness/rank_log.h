// Lines that forked ranks send to the test, beside their outcome: measurements (when a rank saw
// an error, and which), addresses a rank listens on. A pipe made before the fork; each line is
// one write() shorter than PIPE_BUF, so lines of several ranks never interleave.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

namespace fccl::test {

class RankLog {
 public:
  RankLog() { REQUIRE(::pipe2(fds_, O_CLOEXEC) == 0); }
  ~RankLog() {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  RankLog(const RankLog&) = delete;
  RankLog& operator=(const RankLog&) = delete;

  void write(const std::string& line) const {
    const std::string text = line.substr(0, 500) + "\n";
    (void)!::write(fds_[1], text.data(), text.size());
  }
  // The lines that have arrived, waiting up to `timeout` for at least `atLeast` of them.
  std::vector<std::string> read(size_t atLeast = 0, std::chrono::milliseconds timeout = std::chrono::milliseconds(0)) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      pollfd p{fds_[0], POLLIN, 0};
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      const bool wait = lines_.size() < atLeast && left.count() > 0;
      if (::poll(&p, 1, wait ? static_cast<int>(left.count()) : 0) == 1) {
        char buf[4096];
        const ssize_t n = ::read(fds_[0], buf, sizeof(buf));
        if (n > 0) partial_.append(buf, static_cast<size_t>(n));
        for (size_t nl; (nl = partial_.find('\n')) != std::string::npos; partial_.erase(0, nl + 1))
          lines_.push_back(partial_.substr(0, nl));
        continue;
      }
      if (!wait) return lines_;
    }
  }

 private:
  int fds_[2] = {-1, -1};
  std::string partial_;
  std::vector<std::string> lines_;
};

}  // namespace fccl::test
