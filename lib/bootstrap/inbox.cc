#include "bootstrap/inbox.h"

#include <cerrno>
#include <cstring>

#include "bootstrap/socket.h"
#include "common/log.h"

namespace fccl::bootstrap {

Inbox::Inbox(UniqueFd listenFd, const Secret& secret, int rank, int nranks)
    : listenFd_(std::move(listenFd)), secret_(secret), rank_(rank), nranks_(nranks) {}

Expected<bool> Inbox::progress(int fd, short events, int ms) {
  std::vector<pollfd> fds{{listenFd_.get(), POLLIN, 0}};
  for (const auto& conn : conns_) fds.push_back({conn.fd(), POLLIN, 0});
  if (fd >= 0) fds.push_back({fd, events, 0});
  const int ready = ::poll(fds.data(), fds.size(), ms);
  if (ready < 0 && errno != EINTR) return systemError("poll", errno);
  if (ready <= 0) return false;

  // fds[i + 1] belongs to conns_[i]; new connections are appended only after this pass.
  std::vector<bool> finished(conns_.size(), false);
  for (size_t i = 0; i < conns_.size(); ++i) {
    if (fds[i + 1].revents == 0) continue;
    bool done = false;
    serve(conns_[i], &done);
    finished[i] = done;
  }
  size_t kept = 0;
  for (size_t i = 0; i < conns_.size(); ++i) {
    if (finished[i]) continue;
    if (kept != i) conns_[kept] = std::move(conns_[i]);  // never self-move: it would empty the buffers
    ++kept;
  }
  conns_.erase(conns_.begin() + static_cast<std::ptrdiff_t>(kept), conns_.end());

  if (fds[0].revents != 0) acceptAll();
  return fd >= 0 && fds.back().revents != 0;
}

void Inbox::serve(InboundConn& conn, bool* finished) {
  std::vector<Message> messages;
  bool closed = false;
  const Status s = conn.onReadable(messages, &closed);
  // Messages completed before a failure are good: they were whole and checked.
  for (auto& m : messages) queued_[{static_cast<int>(m.header.sender), m.header.tag}].push_back(std::move(m.payload));
  if (!s.isOk()) {
    FCCL_WARN(Subsys::kBootstrap, "rank %d: dropped bootstrap connection from %s: %s", rank_, conn.peerName().c_str(),
              s.message().c_str());
    if (conn.peerRank() >= 0) peerErrors_.emplace(conn.peerRank(), s);
    *finished = true;
  } else if (closed) {
    FCCL_TRACE(Subsys::kBootstrap, "rank %d: %s closed its bootstrap connection", rank_, conn.peerName().c_str());
    if (conn.peerRank() >= 0)
      peerErrors_.emplace(conn.peerRank(), Status(Code::kRemote, conn.peerName() + " closed its connection"));
    *finished = true;
  }
}

void Inbox::acceptAll() {
  for (;;) {
    SocketAddress peer;
    auto fd = acceptPending(listenFd_.get(), &peer);
    if (!fd.isOk()) {
      FCCL_WARN(Subsys::kBootstrap, "rank %d: %s", rank_, fd.status().message().c_str());
      return;
    }
    if (!fd->valid()) return;
    auto conn = InboundConn::begin(std::move(*fd), peer, secret_, static_cast<uint32_t>(nranks_), MsgType::kData);
    if (!conn.isOk()) {
      FCCL_WARN(Subsys::kBootstrap, "rank %d: dropped bootstrap connection: %s", rank_,
                conn.status().message().c_str());
      continue;
    }
    conns_.push_back(std::move(conn).take());
  }
}

std::optional<std::vector<std::byte>> Inbox::take(int peer, uint32_t tag) {
  auto it = queued_.find({peer, tag});
  if (it == queued_.end()) return std::nullopt;
  std::vector<std::byte> message = std::move(it->second.front());
  it->second.pop_front();
  if (it->second.empty()) queued_.erase(it);
  return message;
}

void Inbox::deliverLocal(uint32_t tag, std::span<const std::byte> data) {
  queued_[{rank_, tag}].emplace_back(data.begin(), data.end());
}

const Status* Inbox::peerError(int peer) const {
  auto it = peerErrors_.find(peer);
  return it == peerErrors_.end() ? nullptr : &it->second;
}

}  // namespace fccl::bootstrap
