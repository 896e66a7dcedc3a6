// The alarm line of one communicator: a listening socket and a thread of its own, beside the
// bootstrap (which is served only while its owner waits in it, so it cannot hear a peer while
// the owner is stuck in a collective). On it a rank that failed tells every other rank at
// once, a rank asks the others for their wait states, and ranks report them to rank 0.
//
// Connections are authenticated on the job's secret like the bootstrap's (bootstrap/auth.h)
// and carry MsgType::kAlarm messages only; payloads are checked (bootstrap/alarm_messages.h)
// before a handler sees them. Sends are queued and made by the line's thread, one short-lived
// connection each, within kSendBudgetMs per peer: a dead, stopped or unreachable peer costs
// that much once, never a hang, and the caller never waits for the network.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bootstrap/address.h"
#include "bootstrap/alarm_messages.h"
#include "bootstrap/auth.h"
#include "bootstrap/inbound.h"
#include "common/expected.h"
#include "common/unique_fd.h"

namespace fccl::bootstrap {

class AlarmLine {
 public:
  static constexpr int kSendBudgetMs = 300;
  static constexpr int kTickMs = 100;

  // Called on the line's thread; they must not block for long.
  struct Handlers {
    std::function<void(int sender, const FailureAlarm&)> onFailure;
    std::function<void(int sender, const std::string& reason)> onDumpRequest;
    std::function<void(int sender, const WaitReport&)> onReport;
    std::function<void()> onTick;  // about every kTickMs
  };

  // Listens on `host` (any port) and starts the thread.
  static Expected<std::unique_ptr<AlarmLine>> start(const SocketAddress& host, const Secret& secret, int rank,
                                                    int nranks, Handlers handlers);
  // Sends what is still queued (each within its budget), then stops the thread.
  ~AlarmLine();
  AlarmLine(const AlarmLine&) = delete;
  AlarmLine& operator=(const AlarmLine&) = delete;

  uint16_t port() const { return listen_.port(); }
  // Every rank's alarm address, in rank order; until then sends are kept queued.
  void setPeers(std::vector<SocketAddress> peers);
  void send(int peer, AlarmKind kind, std::vector<std::byte> payload);
  // To every rank but this one.
  void broadcast(AlarmKind kind, const std::vector<std::byte>& payload);

 private:
  struct Outgoing {
    int peer;
    AlarmKind kind;
    std::vector<std::byte> payload;
  };

  AlarmLine(UniqueFd listenFd, const SocketAddress& listen, const Secret& secret, int rank, int nranks,
            Handlers handlers, UniqueFd wakeFd);
  void loop();
  // Waits up to `ms` for connections, messages and the wake-up, and for `events` on `fd` when
  // fd >= 0; handles whatever is ready and says whether fd is.
  Expected<bool> serve(int fd, short events, int ms);
  void acceptAll();
  void deliver(const Message& message, const std::string& peer);
  void sendOne(const Outgoing& out);
  void wake();

  UniqueFd listenFd_;
  SocketAddress listen_;
  Secret secret_;
  int rank_;
  int nranks_;
  Handlers handlers_;
  UniqueFd wakeFd_;  // an eventfd: a send was queued, or the line stops
  std::vector<InboundConn> conns_;

  std::mutex mutex_;  // guards peers_, queue_, stopping_
  std::vector<SocketAddress> peers_;
  std::deque<Outgoing> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace fccl::bootstrap
