// Helpers the scale-out tests share: scoped environment, a pipe between forked ranks with
// deadlines, data patterns, and connecting two ranks over a net. Ranks are processes (runRanks);
// every helper that waits takes a deadline and reports a timeout as a failure text.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/wait.h"
#include "transports/plugin/net.h"

namespace fccl::test {

// Sets (or, with nullptr, unsets) variables for one scope; restores them after.
class ScopedEnv {
 public:
  ScopedEnv(std::initializer_list<std::pair<const char*, const char*>> vars) {
    for (auto [name, value] : vars) {
      const char* old = getenv(name);
      saved_.push_back({name, old ? std::optional<std::string>(old) : std::nullopt});
      if (value) setenv(name, value, 1);
      else unsetenv(name);
    }
  }
  ~ScopedEnv() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->second) setenv(it->first, it->second->c_str(), 1);
      else unsetenv(it->first);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::vector<std::pair<const char*, std::optional<std::string>>> saved_;
};

// A one-way byte channel between forked ranks, made before the fork.
class Channel {
 public:
  Channel() {
    if (pipe2(fds_, O_CLOEXEC) != 0) fds_[0] = fds_[1] = -1;
  }
  ~Channel() {
    for (int fd : fds_)
      if (fd >= 0) ::close(fd);
  }
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  bool write(const void* data, size_t bytes) {
    const auto* p = static_cast<const char*>(data);
    while (bytes > 0) {
      ssize_t n = ::write(fds_[1], p, bytes);
      if (n <= 0) return false;
      p += n;
      bytes -= static_cast<size_t>(n);
    }
    return true;
  }
  // False on timeout or a closed pipe.
  bool read(void* data, size_t bytes, int timeoutMs = 20000) {
    auto* p = static_cast<char*>(data);
    const Deadline deadline = Deadline::afterMs(timeoutMs);
    while (bytes > 0) {
      pollfd pfd{fds_[0], POLLIN, 0};
      if (::poll(&pfd, 1, static_cast<int>(deadline.remainingMs())) <= 0) return false;
      ssize_t n = ::read(fds_[0], p, bytes);
      if (n <= 0) return false;
      p += n;
      bytes -= static_cast<size_t>(n);
    }
    return true;
  }

 private:
  int fds_[2];
};

// Memory the forked ranks and the parent share (made before the fork).
template <class T>
class Shared {
 public:
  Shared() {
    void* p = mmap(nullptr, sizeof(T), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    value_ = p == MAP_FAILED ? nullptr : new (p) T{};
  }
  ~Shared() {
    if (value_) munmap(value_, sizeof(T));
  }
  Shared(const Shared&) = delete;
  Shared& operator=(const Shared&) = delete;
  T* operator->() const { return value_; }
  T& operator*() const { return *value_; }

 private:
  T* value_;
};

inline int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Bytes that depend on (seed, position): a misplaced, stale or truncated chunk shows.
inline std::byte patternByte(uint64_t seed, size_t i) {
  uint64_t x = seed * 0x9e3779b97f4a7c15ull + i;
  x ^= x >> 29;
  x *= 0xbf58476d1ce4e5b9ull;
  return static_cast<std::byte>(x >> 56);
}
inline void fillPattern(std::span<std::byte> out, uint64_t seed) {
  for (size_t i = 0; i < out.size(); ++i) out[i] = patternByte(seed, i);
}
// "" when `in` is the pattern, else where it first differs.
inline std::string checkPattern(std::span<const std::byte> in, uint64_t seed) {
  for (size_t i = 0; i < in.size(); ++i)
    if (in[i] != patternByte(seed, i))
      return "byte " + std::to_string(i) + " of " + std::to_string(in.size()) + " differs (pattern " +
             std::to_string(seed) + ")";
  return "";
}

#define NET_CHECK(cond, text)                                                       \
  do {                                                                              \
    if (!(cond)) return std::string(__FILE__ ":") + std::to_string(__LINE__) + ": " + (text); \
  } while (0)
#define NET_OK(expr)                                                                \
  do {                                                                              \
    if (auto&& r_ = (expr); !r_.isOk()) return std::string(#expr) + ": " + r_.status().message(); \
  } while (0)

// Receiver side: listens, hands the handle to the sender, accepts. Errors are failure texts.
inline std::string acceptPeer(Net& net, int dev, Channel& toSender, NetComm& out, int timeoutMs = 20000) {
  NetHandle handle{};
  auto listen = net.listen(dev, handle);
  if (!listen.isOk()) return "listen: " + listen.status().message();
  if (!toSender.write(handle.data(), handle.size())) return "cannot pass the handle";
  const Deadline deadline = Deadline::afterMs(timeoutMs);
  while (!deadline.expired()) {
    auto comm = net.accept(*listen);
    if (!comm.isOk()) return "accept: " + comm.status().message();
    if (*comm) {
      out = std::move(*comm);
      return "";
    }
    usleep(100);
  }
  return "accept timed out";
}

// Sender side: takes the handle, connects.
inline std::string connectPeer(Net& net, int dev, Channel& fromReceiver, NetComm& out, int timeoutMs = 20000) {
  NetHandle handle{};
  if (!fromReceiver.read(handle.data(), handle.size(), timeoutMs)) return "no handle from the receiver";
  const Deadline deadline = Deadline::afterMs(timeoutMs);
  while (!deadline.expired()) {
    auto comm = net.connect(dev, handle);
    if (!comm.isOk()) return "connect: " + comm.status().message();
    if (*comm) {
      out = std::move(*comm);
      return "";
    }
    usleep(100);
  }
  return "connect timed out";
}

// Tests `request` until done; the failure text, or "" with `sizes` filled.
inline std::string waitRequest(Net& net, void* request, size_t* sizes = nullptr, int timeoutMs = 20000) {
  const Deadline deadline = Deadline::afterMs(timeoutMs);
  while (!deadline.expired()) {
    auto done = net.test(request, sizes);
    if (!done.isOk()) return "test: " + done.status().message();
    if (*done) return "";
    sched_yield();
  }
  return "request timed out";
}

}  // namespace fccl::test
