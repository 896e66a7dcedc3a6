#include "bootstrap/alarm_line.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

#include "bootstrap/socket.h"
#include "bootstrap/wire.h"
#include "common/log.h"

namespace fccl::bootstrap {

Expected<std::unique_ptr<AlarmLine>> AlarmLine::start(const SocketAddress& host, const Secret& secret, int rank,
                                                      int nranks, Handlers handlers) {
  FCCL_ASSIGN_OR_RETURN(UniqueFd listenFd, listenOn(host.hostOnly()));
  FCCL_ASSIGN_OR_RETURN(SocketAddress listen, localAddress(listenFd.get()));
  UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake.valid()) return systemError("eventfd for the alarm line", errno);
  std::unique_ptr<AlarmLine> line(
      new AlarmLine(std::move(listenFd), listen, secret, rank, nranks, std::move(handlers), std::move(wake)));
  line->thread_ = std::thread([raw = line.get()] {
    setLogRank(raw->rank_);
    raw->loop();
  });
  return line;
}

AlarmLine::AlarmLine(UniqueFd listenFd, const SocketAddress& listen, const Secret& secret, int rank, int nranks,
                     Handlers handlers, UniqueFd wakeFd)
    : listenFd_(std::move(listenFd)),
      listen_(listen),
      secret_(secret),
      rank_(rank),
      nranks_(nranks),
      handlers_(std::move(handlers)),
      wakeFd_(std::move(wakeFd)) {}

AlarmLine::~AlarmLine() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake();
  if (thread_.joinable()) thread_.join();
}

void AlarmLine::setPeers(std::vector<SocketAddress> peers) {
  {
    std::lock_guard lock(mutex_);
    peers_ = std::move(peers);
  }
  wake();
}

void AlarmLine::send(int peer, AlarmKind kind, std::vector<std::byte> payload) {
  if (peer < 0 || peer >= nranks_ || peer == rank_) return;
  {
    std::lock_guard lock(mutex_);
    queue_.push_back({peer, kind, std::move(payload)});
  }
  wake();
}

void AlarmLine::broadcast(AlarmKind kind, const std::vector<std::byte>& payload) {
  {
    std::lock_guard lock(mutex_);
    for (int r = 0; r < nranks_; ++r)
      if (r != rank_) queue_.push_back({r, kind, payload});
  }
  wake();
}

void AlarmLine::wake() {
  const uint64_t one = 1;
  (void)!::write(wakeFd_.get(), &one, sizeof(one));
}

void AlarmLine::loop() {
  for (;;) {
    auto served = serve(-1, 0, kTickMs);
    if (!served.isOk()) FCCL_WARN(Subsys::kBootstrap, "rank %d: alarm line: %s", rank_, served.status().message().c_str());
    if (handlers_.onTick) handlers_.onTick();
    for (;;) {
      Outgoing out;
      {
        std::lock_guard lock(mutex_);
        // Without the peers' addresses the queue waits, unless the line stops: then there is
        // nobody it could reach.
        if (queue_.empty() || peers_.empty()) {
          if (stopping_) return;
          break;
        }
        out = std::move(queue_.front());
        queue_.pop_front();
      }
      sendOne(out);
    }
  }
}

Expected<bool> AlarmLine::serve(int fd, short events, int ms) {
  std::vector<pollfd> fds{{wakeFd_.get(), POLLIN, 0}, {listenFd_.get(), POLLIN, 0}};
  for (const auto& conn : conns_) fds.push_back({conn.fd(), POLLIN, 0});
  if (fd >= 0) fds.push_back({fd, events, 0});
  const int ready = ::poll(fds.data(), fds.size(), ms);
  if (ready < 0 && errno != EINTR) return systemError("poll", errno);
  if (ready <= 0) return false;
  if (fds[0].revents != 0) {
    uint64_t count = 0;
    (void)!::read(wakeFd_.get(), &count, sizeof(count));
  }
  // fds[i + 2] belongs to conns_[i]; new connections are appended only after this pass.
  std::vector<InboundConn> kept;
  for (size_t i = 0; i < conns_.size(); ++i) {
    if (fds[i + 2].revents == 0) {
      kept.push_back(std::move(conns_[i]));
      continue;
    }
    std::vector<Message> messages;
    bool closed = false;
    const Status s = conns_[i].onReadable(messages, &closed);
    for (const Message& m : messages) deliver(m, conns_[i].peerName());
    if (!s.isOk())
      FCCL_WARN(Subsys::kBootstrap, "rank %d: dropped alarm connection from %s: %s", rank_,
                conns_[i].peerName().c_str(), s.message().c_str());
    else if (!closed)
      kept.push_back(std::move(conns_[i]));
  }
  conns_ = std::move(kept);
  if (fds[1].revents != 0) acceptAll();
  return fd >= 0 && fds.back().revents != 0;
}

void AlarmLine::acceptAll() {
  for (;;) {
    SocketAddress peer;
    auto fd = acceptPending(listenFd_.get(), &peer);
    if (!fd.isOk()) {
      FCCL_WARN(Subsys::kBootstrap, "rank %d: alarm line: %s", rank_, fd.status().message().c_str());
      return;
    }
    if (!fd->valid()) return;
    auto conn = InboundConn::begin(std::move(*fd), peer, secret_, static_cast<uint32_t>(nranks_), MsgType::kAlarm);
    if (!conn.isOk()) {
      FCCL_WARN(Subsys::kBootstrap, "rank %d: dropped alarm connection: %s", rank_, conn.status().message().c_str());
      continue;
    }
    conns_.push_back(std::move(conn).take());
  }
}

void AlarmLine::deliver(const Message& message, const std::string& peer) {
  const int sender = static_cast<int>(message.header.sender);
  auto kind = alarmKind(message.header.tag, peer);
  Status bad;
  if (!kind.isOk()) {
    bad = kind.status();
  } else if (*kind == AlarmKind::kFailure) {
    auto alarm = decodeFailure(message.payload, static_cast<uint32_t>(nranks_), peer);
    if (alarm.isOk() && handlers_.onFailure) handlers_.onFailure(sender, *alarm);
    if (!alarm.isOk()) bad = alarm.status();
  } else if (*kind == AlarmKind::kDumpRequest) {
    auto reason = decodeDumpRequest(message.payload, peer);
    if (reason.isOk() && handlers_.onDumpRequest) handlers_.onDumpRequest(sender, *reason);
    if (!reason.isOk()) bad = reason.status();
  } else {
    auto report = decodeReport(message.payload, peer);
    if (report.isOk() && handlers_.onReport) handlers_.onReport(sender, *report);
    if (!report.isOk()) bad = report.status();
  }
  if (!bad.isOk()) FCCL_WARN(Subsys::kBootstrap, "rank %d: ignored an alarm: %s", rank_, bad.message().c_str());
}

void AlarmLine::sendOne(const Outgoing& out) {
  SocketAddress address;
  {
    std::lock_guard lock(mutex_);
    address = peers_[static_cast<size_t>(out.peer)];
  }
  // Incoming alarms are served while this one waits: two ranks alarming each other at the same
  // moment each answer the other's challenge.
  const IoWait io(kSendBudgetMs, nullptr, [this](int fd, short events, int ms) { return serve(fd, events, ms); });
  auto sent = [&]() -> Status {
    FCCL_ASSIGN_OR_RETURN(UniqueFd fd, connectTo(address, io, /*retryRefused=*/false));
    FCCL_TRY(authenticateAsConnector(fd.get(), secret_, io, address.toString()));
    const Header header{MsgType::kAlarm, static_cast<uint32_t>(rank_), static_cast<uint32_t>(out.kind),
                        out.payload.size()};
    return sendMessage(fd.get(), header, out.payload, io);
  }();
  // A peer that is gone cannot be told; that is no news worth more than a trace.
  if (!sent.isOk())
    FCCL_TRACE(Subsys::kBootstrap, "rank %d: alarm to rank %d (%s) not delivered: %s", rank_, out.peer,
               address.toString().c_str(), sent.message().c_str());
}

}  // namespace fccl::bootstrap
