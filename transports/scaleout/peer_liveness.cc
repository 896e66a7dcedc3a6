#include "transports/scaleout/peer_liveness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

namespace fccl {
namespace {

constexpr uint64_t kHelloMagic = 0x6863746177636366ull;  // "fccwatch"
constexpr size_t kMaxPendingAccepts = 64;

sockaddr_storage toSockaddr(const WatchAddress& a, socklen_t* len) {
  sockaddr_storage ss{};
  if (a.family == 6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(a.port);
    std::memcpy(&in6->sin6_addr, a.ip, 16);
    *len = sizeof(sockaddr_in6);
  } else {
    auto* in = reinterpret_cast<sockaddr_in*>(&ss);
    in->sin_family = AF_INET;
    in->sin_port = htons(a.port);
    std::memcpy(&in->sin_addr, a.ip, 4);
    *len = sizeof(sockaddr_in);
  }
  return ss;
}

std::string describe(const WatchAddress& a) {
  char ip[INET6_ADDRSTRLEN] = "?";
  inet_ntop(a.family == 6 ? AF_INET6 : AF_INET, a.ip, ip, sizeof(ip));
  char text[INET6_ADDRSTRLEN + 16];
  std::snprintf(text, sizeof(text), a.family == 6 ? "[%s]:%u" : "%s:%u", ip, static_cast<unsigned>(a.port));
  return text;
}

// Keepalive finds a host that vanished without closing its sockets: probes after 10 s of
// silence, every 2 s, 5 misses.
void tuneSocket(int fd) {
  int on = 1, idle = 10, interval = 2, count = 5;
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof(interval));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof(count));
}

void putHello(uint8_t* out, uint64_t from, uint64_t to) {
  const uint64_t words[3] = {kHelloMagic, from, to};
  std::memcpy(out, words, sizeof(words));
}

std::string socketError(int fd) {
  int err = 0;
  socklen_t len = sizeof(err);
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  return err ? std::strerror(err) : "connection closed";
}

}  // namespace

Expected<std::unique_ptr<PeerLiveness>> PeerLiveness::create(uint64_t selfId, const WatchAddress& address) {
  const int family = address.family == 6 ? AF_INET6 : AF_INET;
  UniqueFd fd(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return systemError("liveness socket", errno);
  WatchAddress bound = address;
  bound.port = 0;
  socklen_t len = 0;
  sockaddr_storage ss = toSockaddr(bound, &len);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0)
    return systemError("binding the liveness socket to " + describe(bound), errno);
  if (::listen(fd.get(), 128) != 0) return systemError("liveness listen", errno);
  len = sizeof(ss);
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&ss), &len) != 0)
    return systemError("liveness getsockname", errno);
  bound.port = ntohs(family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                        : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  return std::unique_ptr<PeerLiveness>(new PeerLiveness(selfId, std::move(fd), bound));
}

Status PeerLiveness::watch(uint64_t peerId, const WatchAddress& address) {
  if (state(peerId) != State::kUnknown) return Status::ok();
  UniqueFd fd(::socket(address.family == 6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return systemError("liveness socket", errno);
  tuneSocket(fd.get());
  socklen_t len = 0;
  sockaddr_storage ss = toSockaddr(address, &len);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0 && errno != EINPROGRESS) {
    markDead(peerId, "liveness connection to " + describe(address) + " failed: " + std::strerror(errno));
    return Status::ok();  // the peer is dead; its connections report that
  }
  Watch w;
  w.fd = std::move(fd);
  w.peer = peerId;
  w.outgoing = true;
  putHello(w.hello, selfId_, peerId);
  watches_.push_back(std::move(w));
  peers_[peerId].state = State::kConnecting;
  return Status::ok();
}

PeerLiveness::State PeerLiveness::state(uint64_t peerId) const {
  auto it = peers_.find(peerId);
  return it == peers_.end() ? State::kUnknown : it->second.state;
}

std::string PeerLiveness::why(uint64_t peerId) const {
  auto it = peers_.find(peerId);
  return it == peers_.end() ? std::string() : it->second.why;
}

PeerLiveness::Clock::time_point PeerLiveness::deadSince(uint64_t peerId) const {
  auto it = peers_.find(peerId);
  return it == peers_.end() ? Clock::time_point{} : it->second.deadSince;
}

void PeerLiveness::markDead(uint64_t peer, std::string why) {
  Peer& p = peers_[peer];
  if (p.state == State::kDead) return;
  p.state = State::kDead;
  p.deadSince = Clock::now();
  p.why = std::move(why);
}

void PeerLiveness::markAlive(uint64_t peer) {
  Peer& p = peers_[peer];
  if (p.state != State::kDead) p.state = State::kAlive;
}

void PeerLiveness::acceptNew() {
  size_t unnamed = 0;
  for (const Watch& w : watches_) unnamed += w.peer == 0 ? 1 : 0;
  while (unnamed < kMaxPendingAccepts) {  // a flood of strangers cannot grow the table unboundedly
    int fd = ::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or an error the next poll retries
    tuneSocket(fd);
    Watch w;
    w.fd = UniqueFd(fd);
    watches_.push_back(std::move(w));
    ++unnamed;
  }
}

bool PeerLiveness::advance(Watch& w, short events) {
  if (w.outgoing && !w.ready) {
    if (events & (POLLERR | POLLHUP)) {
      markDead(w.peer, "liveness connection failed: " + socketError(w.fd.get()));
      return false;
    }
    if (!(events & POLLOUT)) return true;
    ssize_t n = ::send(w.fd.get(), w.hello + w.helloBytes, sizeof(w.hello) - w.helloBytes, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN) {
      markDead(w.peer, std::string("liveness connection failed: ") + std::strerror(errno));
      return false;
    }
    if (n > 0) w.helloBytes += static_cast<size_t>(n);
    if (w.helloBytes == sizeof(w.hello)) {
      w.ready = true;
      markAlive(w.peer);
    }
    return true;
  }
  if (!w.outgoing && !w.ready) {  // a stranger until its hello names us and itself
    if (!(events & (POLLIN | POLLERR | POLLHUP))) return true;
    ssize_t n = ::recv(w.fd.get(), w.hello + w.helloBytes, sizeof(w.hello) - w.helloBytes, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN)) return false;
    if (n > 0) w.helloBytes += static_cast<size_t>(n);
    if (w.helloBytes < sizeof(w.hello)) return true;
    uint64_t words[3];
    std::memcpy(words, w.hello, sizeof(words));
    if (words[0] != kHelloMagic || words[2] != selfId_ || words[1] == 0) return false;
    w.peer = words[1];
    w.ready = true;
    markAlive(w.peer);
    return true;
  }
  // A ready watch carries nothing: anything readable is the end of it.
  if (!(events & (POLLIN | POLLERR | POLLHUP | POLLRDHUP))) return true;
  char byte;
  ssize_t n = ::recv(w.fd.get(), &byte, 1, MSG_DONTWAIT);
  if (n < 0 && errno == EAGAIN && !(events & (POLLERR | POLLHUP | POLLRDHUP))) return true;
  markDead(w.peer, n > 0 ? "the peer broke the liveness protocol"
                         : n == 0 ? "the peer process closed its end (exited or was killed)"
                                  : "liveness connection failed: " + socketError(w.fd.get()));
  return false;
}

void PeerLiveness::poll() {
  std::vector<pollfd> fds;
  fds.reserve(watches_.size() + 1);
  fds.push_back({listener_.get(), POLLIN, 0});
  for (const Watch& w : watches_)
    fds.push_back({w.fd.get(), static_cast<short>(w.outgoing && !w.ready ? POLLOUT : (POLLIN | POLLRDHUP)), 0});
  if (::poll(fds.data(), fds.size(), 0) <= 0) return;
  std::vector<Watch> kept;
  kept.reserve(watches_.size());
  for (size_t i = 0; i < watches_.size(); ++i) {
    Watch& w = watches_[i];
    const short events = fds[i + 1].revents;
    const bool keep = events == 0 || advance(w, events);
    if (keep) kept.push_back(std::move(w));
  }
  watches_ = std::move(kept);
  if (fds[0].revents & POLLIN) acceptNew();
}

}  // namespace fccl
