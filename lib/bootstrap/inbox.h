// The receiving side of one rank: its listening socket, the connections its peers opened to it
// (each authenticated before its first header is read), and the messages that arrived before
// anyone asked for them, kept per (peer, tag) in arrival order. No thread: the owner calls
// progress() whenever it waits for anything, so a peer's connection is answered while this
// rank waits for something else. Not thread-safe; the Bootstrap that owns it serialises use.
#pragma once

#include <poll.h>

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "bootstrap/auth.h"
#include "bootstrap/inbound.h"
#include "common/expected.h"
#include "common/unique_fd.h"

namespace fccl::bootstrap {

class Inbox {
 public:
  Inbox(UniqueFd listenFd, const Secret& secret, int rank, int nranks);

  // Waits up to `ms` for new connections and messages, and for `events` on `fd` when fd >= 0,
  // then handles whatever is ready. Returns whether `fd` is ready. A broken or hostile
  // connection is dropped (WARN) and, when its sender is known, remembered as that peer's error.
  Expected<bool> progress(int fd, short events, int ms);

  // The oldest message from (peer, tag) that has arrived, if any.
  std::optional<std::vector<std::byte>> take(int peer, uint32_t tag);
  // A message this rank sends to itself.
  void deliverLocal(uint32_t tag, std::span<const std::byte> data);
  // Why the connection from `peer` ended (closed or broke), or nullptr while it is fine.
  const Status* peerError(int peer) const;

 private:
  void acceptAll();
  void serve(InboundConn& conn, bool* finished);

  UniqueFd listenFd_;
  Secret secret_;
  int rank_;
  int nranks_;
  std::vector<InboundConn> conns_;
  std::map<std::pair<int, uint32_t>, std::deque<std::vector<std::byte>>> queued_;
  std::map<int, Status> peerErrors_;
};

}  // namespace fccl::bootstrap
