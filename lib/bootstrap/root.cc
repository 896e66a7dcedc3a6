#include "bootstrap/root.h"

#include <poll.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bootstrap/inbound.h"
#include "bootstrap/messages.h"
#include "bootstrap/root_registry.h"
#include "bootstrap/socket.h"
#include "bootstrap/wire.h"
#include "common/log.h"
#include "common/wait.h"

namespace fccl::bootstrap {
namespace {

// How long the root spends telling a refused or abandoned rank why; it only informs.
constexpr int64_t kReplyTimeoutMs = 1000;
// How many missing ranks a timeout message lists before it only counts.
constexpr size_t kMaxListedRanges = 16;

struct Joined {
  UniqueFd fd;
  SocketAddress listen;
  std::string peer;
};

// "rank 2", "ranks 3, 5", "ranks 0-3, 7, ... (90 in all)".
std::string describeRanks(const std::vector<uint32_t>& ranks) {
  std::string list;
  size_t ranges = 0;
  for (size_t i = 0; i < ranks.size(); ++ranges) {
    size_t j = i;
    while (j + 1 < ranks.size() && ranks[j + 1] == ranks[j] + 1) ++j;
    if (ranges == kMaxListedRanges) {
      list.append(", ... (").append(std::to_string(ranks.size())).append(" in all)");
      break;
    }
    list.append(list.empty() ? "" : ", ").append(std::to_string(ranks[i]));
    if (j > i) list.append("-").append(std::to_string(ranks[j]));
    i = j + 1;
  }
  return (ranks.size() == 1 ? "rank " : "ranks ") + list;
}

class RootService {
 public:
  RootService(UniqueFd listenFd, const SocketAddress& address, const Secret& secret, int64_t timeoutMs)
      : listenFd_(std::move(listenFd)),
        name_(address.toString()),
        secret_(secret),
        timeoutMs_(timeoutMs),
        deadline_(Deadline::afterMs(timeoutMs)) {}

  void run(const std::atomic<bool>& stop);

 private:
  bool complete() const { return nranks_ > 0 && joinedCount_ == nranks_; }
  void serveReadable(const std::vector<pollfd>& fds);
  void acceptAll();
  void onHello(InboundConn& conn, const Message& message);
  void refuse(InboundConn& conn, const std::string& why);
  void sendTable(const std::atomic<bool>& stop);
  void reportTimeout(const std::atomic<bool>& stop);

  UniqueFd listenFd_;
  std::string name_;
  Secret secret_;
  int64_t timeoutMs_;
  Deadline deadline_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::vector<InboundConn> pending_;  // accepted, not yet said hello
  uint32_t nranks_ = 0;               // 0 until the first valid hello
  std::vector<std::optional<Joined>> joined_;
  uint32_t joinedCount_ = 0;
};

void RootService::run(const std::atomic<bool>& stop) {
  std::unique_lock busy(rootForkGuard());  // released only while waiting in poll()
  while (!complete()) {
    if (stop.load(std::memory_order_acquire)) return;  // the process is exiting
    if (deadline_.expired()) return reportTimeout(stop);
    std::vector<pollfd> fds{{listenFd_.get(), POLLIN, 0}};
    for (const auto& conn : pending_) fds.push_back({conn.fd(), POLLIN, 0});
    const int wait = static_cast<int>(std::min<int64_t>(deadline_.remainingMs(), kAbortCheckMs));
    busy.unlock();
    const int ready = ::poll(fds.data(), fds.size(), wait);
    busy.lock();
    if (ready < 0 && errno != EINTR) {
      FCCL_WARN(Subsys::kBootstrap, "bootstrap root %s: poll failed (errno %d); rendezvous abandoned", name_.c_str(),
                errno);
      return;
    }
    if (ready <= 0) continue;
    serveReadable(fds);
    if (fds[0].revents != 0) acceptAll();
  }
  sendTable(stop);
}

// fds[i + 1] belongs to pending_[i]; connections that finish (hello, error, close) are dropped.
void RootService::serveReadable(const std::vector<pollfd>& fds) {
  std::vector<bool> done(pending_.size(), false);
  for (size_t i = 0; i < pending_.size(); ++i) {
    if (fds[i + 1].revents == 0) continue;
    std::vector<Message> messages;
    bool closed = false;
    if (Status s = pending_[i].onReadable(messages, &closed); !s.isOk()) {
      FCCL_WARN(Subsys::kBootstrap, "bootstrap root %s: rejected connection from %s: %s", name_.c_str(),
                pending_[i].peerName().c_str(), s.message().c_str());
      done[i] = true;
    } else if (!messages.empty()) {
      onHello(pending_[i], messages.front());
      done[i] = true;
    } else {
      done[i] = closed;
    }
  }
  size_t kept = 0;
  for (size_t i = 0; i < pending_.size(); ++i) {
    if (done[i]) continue;
    if (kept != i) pending_[kept] = std::move(pending_[i]);  // never self-move: it would empty the buffers
    ++kept;
  }
  pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(kept), pending_.end());
}

void RootService::acceptAll() {
  for (;;) {
    SocketAddress peer;
    auto fd = acceptPending(listenFd_.get(), &peer);
    if (!fd.isOk()) {
      FCCL_WARN(Subsys::kBootstrap, "bootstrap root %s: %s", name_.c_str(), fd.status().message().c_str());
      return;
    }
    if (!fd->valid()) return;
    auto conn = InboundConn::begin(std::move(*fd), peer, secret_, kMaxRanks, MsgType::kHello);
    if (!conn.isOk()) {
      FCCL_WARN(Subsys::kBootstrap, "bootstrap root %s: dropped connection: %s", name_.c_str(),
                conn.status().message().c_str());
      continue;
    }
    pending_.push_back(std::move(conn).take());
  }
}

void RootService::onHello(InboundConn& conn, const Message& message) {
  auto hello = decodeHello(message, conn.peerName());
  if (!hello.isOk()) return refuse(conn, hello.status().message());
  if (nranks_ == 0) {
    nranks_ = hello->nranks;
    joined_.resize(nranks_);
  }
  if (hello->nranks != nranks_)
    return refuse(conn, "rank " + std::to_string(hello->rank) + " says nranks = " + std::to_string(hello->nranks) +
                            ", the ranks before it said " + std::to_string(nranks_));
  if (auto& slot = joined_[hello->rank]; slot)
    return refuse(conn, "rank " + std::to_string(hello->rank) + " already joined from " + slot->peer);
  FCCL_TRACE(Subsys::kBootstrap, "bootstrap root %s: rank %u of %u joined from %s, listens on %s", name_.c_str(),
             hello->rank, nranks_, conn.peerName().c_str(), hello->listen.toString().c_str());
  joined_[hello->rank] = Joined{conn.releaseFd(), hello->listen, conn.peerName()};
  ++joinedCount_;
}

void RootService::refuse(InboundConn& conn, const std::string& why) {
  FCCL_WARN(Subsys::kBootstrap, "bootstrap root %s: refused %s: %s", name_.c_str(), conn.peerName().c_str(),
            why.c_str());
  const auto payload = encodeError(Code::kRemote, why);
  const Header header{MsgType::kError, kRootSender, 0, payload.size()};
  (void)sendMessage(conn.fd(), header, payload, IoWait(kReplyTimeoutMs, nullptr));  // best effort: it only informs
}

void RootService::sendTable(const std::atomic<bool>& stop) {
  std::vector<SocketAddress> table;
  for (const auto& slot : joined_) table.push_back(slot->listen);
  const auto payload = encodeTable(table);
  const Header header{MsgType::kTable, kRootSender, 0, payload.size()};
  const IoWait io(timeoutMs_, &stop);
  for (uint32_t r = 0; r < nranks_; ++r) {
    if (Status s = sendMessage(joined_[r]->fd.get(), header, payload, io); !s.isOk())
      FCCL_WARN(Subsys::kBootstrap, "bootstrap root %s: could not send the address table to %s: %s", name_.c_str(),
                joined_[r]->peer.c_str(), s.message().c_str());
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start_);
  FCCL_INFO(Subsys::kBootstrap, "bootstrap root %s: rendezvous of %u ranks complete in %lld ms", name_.c_str(), nranks_,
            static_cast<long long>(ms.count()));
}

void RootService::reportTimeout(const std::atomic<bool>& stop) {
  std::vector<uint32_t> missing;
  for (uint32_t r = 0; r < nranks_; ++r)
    if (!joined_[r]) missing.push_back(r);
  const std::string text = "rendezvous timed out after " + std::to_string(timeoutMs_) + " ms: " +
                           (nranks_ == 0 ? std::string("no rank arrived") : describeRanks(missing) + " never arrived");
  FCCL_WARN(Subsys::kBootstrap, "bootstrap root %s: %s", name_.c_str(), text.c_str());
  const auto payload = encodeError(Code::kTimeout, text);
  const Header header{MsgType::kError, kRootSender, 0, payload.size()};
  const IoWait io(kReplyTimeoutMs, &stop);
  for (const auto& slot : joined_)
    if (slot) (void)sendMessage(slot->fd.get(), header, payload, io);  // best effort: they time out anyway
}

}  // namespace

Status startRootService(UniqueFd listenFd, const SocketAddress& address, const Secret& secret, int64_t timeoutMs) {
  auto service = std::make_shared<RootService>(std::move(listenFd), address, secret, timeoutMs);
  FCCL_INFO(Subsys::kBootstrap, "bootstrap root listening on %s (timeout %lld ms)", address.toString().c_str(),
            static_cast<long long>(timeoutMs));
  // The thread holds the only reference, so sockets close as soon as it returns.
  return startRegisteredThread([service = std::move(service)](const std::atomic<bool>& stop) mutable {
    service->run(stop);
    service.reset();
  });
}

}  // namespace fccl::bootstrap
