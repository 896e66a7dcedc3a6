// Non-blocking, close-on-exec TCP sockets whose every wait is bounded: by a deadline, by an
// abort flag looked at at least every 100 ms, and never by a peer that simply stops talking.
// Writes use MSG_NOSIGNAL (a closed peer is an error, not SIGPIPE); reads and writes loop over
// EINTR and partial transfers.
#pragma once

#include <poll.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>

#include "bootstrap/address.h"
#include "common/expected.h"
#include "common/unique_fd.h"
#include "common/wait.h"

namespace fccl::bootstrap {

// The longest a single wait goes without looking at the abort flag.
constexpr int kAbortCheckMs = 100;

// How a blocking socket call waits: the deadline and abort flag of the whole operation, and
// optionally a `serve` function that does other work while waiting. The bootstrap passes one
// that also answers incoming connections, so two ranks opening connections to each other at
// the same moment never wait on each other.
class IoWait {
 public:
  // Waits up to `ms` for `events` on `fd` (fd < 0: only serves) and says whether fd is ready.
  using ServeFn = std::function<Expected<bool>(int fd, short events, int ms)>;

  IoWait(int64_t timeoutMs, const std::atomic<bool>* abortFlag, ServeFn serve = {});

  // kAborted when the abort flag is set, kTimeout ("timed out after N ms") once expired.
  Status check() const;
  // Until `fd` is ready for `events` (POLLERR and POLLHUP count as ready: the next I/O call
  // reports them), the deadline passes or the abort flag is set.
  Status waitReady(int fd, short events) const;
  // Waits `ms` (less if the deadline comes first), serving meanwhile.
  Status pause(int ms) const;
  // How long one poll may wait: the time left, at most kAbortCheckMs.
  int pollMs() const;
  int64_t timeoutMs() const { return timeoutMs_; }

 private:
  Deadline deadline_;
  int64_t timeoutMs_;
  const std::atomic<bool>* abortFlag_;
  ServeFn serve_;
};

// A listening socket bound to `address` (port 0 picks a free one), with SO_REUSEADDR.
Expected<UniqueFd> listenOn(const SocketAddress& address);
Expected<SocketAddress> localAddress(int fd);

// One pending connection, or an invalid UniqueFd when none is pending right now. Fills `peer`.
Expected<UniqueFd> acceptPending(int listenFd, SocketAddress* peer);

// Connects within io's deadline. With `retryRefused`, a refused connection is tried again
// (the listener may not be up yet, as in an environment-only launch); without, it is kRemote:
// the peer whose listener it was is gone.
Expected<UniqueFd> connectTo(const SocketAddress& address, const IoWait& io, bool retryRefused);

// Writes all of `parts`, in order, as one stream of bytes.
Status sendAll(int fd, std::span<const std::span<const std::byte>> parts, const IoWait& io);
// Fills `out`. A peer that closes first gives kRemote "connection closed by peer".
Status recvAll(int fd, std::span<std::byte> out, const IoWait& io);

struct RecvResult {
  size_t bytes = 0;     // 0 with closed == false: nothing available yet
  bool closed = false;  // the peer closed its end (orderly EOF)
};
// Reads what is available now into `out`, without waiting.
Expected<RecvResult> recvSome(int fd, std::span<std::byte> out);
// Writes what fits now, without waiting; returns the byte count written (maybe 0).
Expected<size_t> sendSome(int fd, std::span<const std::byte> data);

}  // namespace fccl::bootstrap
