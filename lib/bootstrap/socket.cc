#include "bootstrap/socket.h"

#include <netinet/tcp.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace fccl::bootstrap {
namespace {

// Bootstrap traffic is small request/response messages; Nagle's delay would only add latency.
void setNoDelay(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

int pendingError(int fd) {
  int err = 0;
  socklen_t length = sizeof(err);
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &length) != 0) return errno;
  return err;
}

// A connect to a local port with no listener can, rarely, pick that same port as its own
// ephemeral port and connect to itself (TCP simultaneous open). That is a refusal in disguise.
bool connectedToItself(int fd) {
  sockaddr_storage local{}, peer{};
  socklen_t localLength = sizeof(local), peerLength = sizeof(peer);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &localLength) != 0) return false;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peerLength) != 0) return false;
  auto a = SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&local), localLength);
  auto b = SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&peer), peerLength);
  return a.isOk() && b.isOk() && *a == *b;
}

// One connect attempt: 0 when connected, else the errno that ended it.
Expected<int> connectOnce(const SocketAddress& address, const IoWait& io, UniqueFd& fd) {
  fd.reset(::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return systemError("socket", errno);
  int err = ::connect(fd.get(), address.get(), address.length()) == 0 ? 0 : errno;
  if (err == EINPROGRESS || err == EINTR) {  // after EINTR the connect goes on in the background
    FCCL_TRY(io.waitReady(fd.get(), POLLOUT));
    err = pendingError(fd.get());
  }
  if (err == 0 && connectedToItself(fd.get())) err = ECONNREFUSED;
  return err;
}

// A connection the other end reset or closed under us: that peer failed, not this host.
Status ioError(const char* what, int err) {
  if (err == ECONNRESET || err == EPIPE || err == ECONNABORTED)
    return Status(Code::kRemote, std::string(what) + ": " + std::strerror(err) + " (the peer closed or reset it)");
  return systemError(what, err);
}

}  // namespace

IoWait::IoWait(int64_t timeoutMs, const std::atomic<bool>* abortFlag, ServeFn serve)
    : deadline_(Deadline::afterMs(timeoutMs)), timeoutMs_(timeoutMs), abortFlag_(abortFlag), serve_(std::move(serve)) {}

Status IoWait::check() const {
  if (abortFlag_ && abortFlag_->load(std::memory_order_relaxed)) return Status(Code::kAborted, "aborted");
  if (deadline_.expired()) return Status(Code::kTimeout, "timed out after " + std::to_string(timeoutMs_) + " ms");
  return Status::ok();
}

int IoWait::pollMs() const { return static_cast<int>(std::min<int64_t>(deadline_.remainingMs(), kAbortCheckMs)); }

Status IoWait::waitReady(int fd, short events) const {
  for (;;) {
    FCCL_TRY(check());
    if (serve_) {
      FCCL_ASSIGN_OR_RETURN(bool ready, serve_(fd, events, pollMs()));
      if (ready) return Status::ok();
      continue;
    }
    pollfd p{fd, events, 0};
    int rc = ::poll(&p, 1, pollMs());
    if (rc < 0 && errno != EINTR) return systemError("poll", errno);
    if (rc > 0) return Status::ok();
  }
}

Status IoWait::pause(int ms) const {
  const Deadline until = Deadline::afterMs(ms);
  while (!until.expired()) {
    FCCL_TRY(check());
    const int wait = static_cast<int>(std::min<int64_t>(until.remainingMs(), pollMs()));
    if (serve_) {
      FCCL_TRY(serve_(-1, 0, wait).status());
    } else if (::poll(nullptr, 0, wait) < 0 && errno != EINTR) {
      return systemError("poll", errno);
    }
  }
  return Status::ok();
}

Expected<UniqueFd> listenOn(const SocketAddress& address) {
  UniqueFd fd(::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return systemError("socket", errno);
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (::bind(fd.get(), address.get(), address.length()) != 0)
    return systemError("bind to " + address.toString(), errno);
  if (::listen(fd.get(), SOMAXCONN) != 0) return systemError("listen on " + address.toString(), errno);
  return fd;
}

Expected<SocketAddress> localAddress(int fd) {
  sockaddr_storage storage{};
  socklen_t length = sizeof(storage);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return systemError("getsockname", errno);
  return SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&storage), length);
}

Expected<UniqueFd> acceptPending(int listenFd, SocketAddress* peer) {
  for (;;) {
    sockaddr_storage storage{};
    socklen_t length = sizeof(storage);
    int fd = ::accept4(listenFd, reinterpret_cast<sockaddr*>(&storage), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      UniqueFd owned(fd);
      setNoDelay(fd);
      auto address = SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&storage), length);
      if (address.isOk()) *peer = *address;
      return owned;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) return UniqueFd();
    if (errno == EINTR || errno == ECONNABORTED) continue;  // that one is gone; look for the next
    return systemError("accept", errno);
  }
}

Expected<UniqueFd> connectTo(const SocketAddress& address, const IoWait& io, bool retryRefused) {
  int delayMs = 1;
  for (;;) {
    FCCL_TRY(io.check());
    UniqueFd fd;
    FCCL_ASSIGN_OR_RETURN(int err, connectOnce(address, io, fd));
    if (err == 0) {
      setNoDelay(fd.get());
      return fd;
    }
    // Nobody listens there: for a peer whose listener was up, it is gone (a remote failure).
    if (err == ECONNREFUSED && !retryRefused)
      return Status(Code::kRemote, "connect to " + address.toString() + ": connection refused (nobody listens there)");
    if (err != ECONNREFUSED) return systemError("connect to " + address.toString(), err);
    FCCL_TRY(io.pause(delayMs));
    delayMs = std::min(delayMs * 2, kAbortCheckMs);
  }
}

Status sendAll(int fd, std::span<const std::span<const std::byte>> parts, const IoWait& io) {
  size_t total = 0, sent = 0;
  for (auto part : parts) total += part.size();
  std::vector<iovec> iov;
  while (sent < total) {
    iov.clear();
    size_t skip = sent;
    for (auto part : parts) {
      if (skip >= part.size()) {
        skip -= part.size();
        continue;
      }
      iov.push_back({const_cast<std::byte*>(part.data() + skip), part.size() - skip});
      skip = 0;
    }
    msghdr msg{};
    msg.msg_iov = iov.data();
    msg.msg_iovlen = iov.size();
    ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      FCCL_TRY(io.waitReady(fd, POLLOUT));
    } else if (n < 0 && errno != EINTR) {
      return ioError("send", errno);
    }
  }
  return Status::ok();
}

Expected<RecvResult> recvSome(int fd, std::span<std::byte> out) {
  for (;;) {
    ssize_t n = ::recv(fd, out.data(), out.size(), 0);
    if (n > 0) return RecvResult{static_cast<size_t>(n), false};
    if (n == 0) return RecvResult{0, !out.empty()};
    if (errno == EAGAIN || errno == EWOULDBLOCK) return RecvResult{};
    if (errno != EINTR) return ioError("recv", errno);
  }
}

Expected<size_t> sendSome(int fd, std::span<const std::byte> data) {
  for (;;) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno == EAGAIN || errno == EWOULDBLOCK) return size_t{0};
    if (errno != EINTR) return ioError("send", errno);
  }
}

Status recvAll(int fd, std::span<std::byte> out, const IoWait& io) {
  size_t got = 0;
  while (got < out.size()) {
    FCCL_ASSIGN_OR_RETURN(RecvResult r, recvSome(fd, out.subspan(got)));
    if (r.closed) return Status(Code::kRemote, "connection closed by peer");
    if (r.bytes == 0) FCCL_TRY(io.waitReady(fd, POLLIN));
    got += r.bytes;
  }
  return Status::ok();
}

}  // namespace fccl::bootstrap
