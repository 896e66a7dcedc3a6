// The bootstrap network of one communicator: every rank's TCP address, learnt at a rendezvous
// through the root named in the unique id, and tagged point-to-point messages between ranks
// over lazily opened, authenticated, cached connections. The communicator uses it to exchange
// connection handles, to agree, and to tell peers that it failed.
//
// Contract: all calls block, each for at most options.timeoutMs (kTimeout), and return
// kAborted within 100 ms of *abortFlag becoming true. Not thread-safe: one thread at a time.
// Errors name this rank, the peer, the tag and the operation. No background thread: incoming
// connections and messages are served whenever this rank waits inside any call, so the first
// send to a peer completes once that peer is inside any bootstrap call (it must answer the
// authentication challenge); later sends never wait for the peer.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "bootstrap/address.h"
#include "bootstrap/auth.h"
#include "bootstrap/inbox.h"
#include "bootstrap/socket.h"
#include "common/expected.h"
#include "common/unique_fd.h"
#include "fccl/fccl.h"

namespace fccl {

struct BootstrapOptions {
  int rank;
  int nranks;
  int64_t timeoutMs;
  const std::atomic<bool>* abortFlag = nullptr;
};

class Bootstrap {
 public:
  // Tags from here up belong to the bootstrap's own allGather and barrier.
  static constexpr uint32_t kReservedTagBase = 0xf0000000u;

  // Joins the rendezvous of `id`: listens on its own port (on the local address that routes to
  // the root, found with getsockname() of the root connection), says hello to the root,
  // receives every rank's address. Fails with kTimeout when the rendezvous does not complete in
  // time, kInvalidArgument for a malformed id or bad rank/nranks, kRemote when the root reports
  // an error.
  static Expected<std::unique_ptr<Bootstrap>> create(const fcclUniqueId& id, const BootstrapOptions& options);

  int rank() const { return options_.rank; }
  int nranks() const { return options_.nranks; }

  // Sends one message to `peer`, tagged (tag < kReservedTagBase). Returns once the bytes are
  // handed to the kernel; it does not wait for the peer to call recv (connections to a peer are
  // opened on first use, authenticated, and cached). At most 64 MiB per message.
  Status send(int peer, uint32_t tag, std::span<const std::byte> data);
  // Receives the message from `peer` with `tag` (messages with other (peer, tag) pairs that
  // arrive meanwhile are kept for later recv calls). The message must be exactly data.size()
  // bytes: a different length is an error naming peer and tag.
  Status recv(int peer, uint32_t tag, std::span<std::byte> data);
  // all holds nranks blocks of bytesPerRank; this rank's block (at rank*bytesPerRank) is sent
  // to everybody, the others are filled. Ring algorithm over send/recv.
  Status allGather(std::span<std::byte> all, size_t bytesPerRank);
  // Returns once every rank has entered the barrier (dissemination: log2(nranks) rounds).
  Status barrier();
  // The host address this rank listens on (text), for logs.
  std::string address() const { return listen_.toString(); }
  // The address this rank listens on, and where `peer` does (checked by the caller).
  const bootstrap::SocketAddress& listenAddress() const { return listen_; }
  const bootstrap::SocketAddress& peerAddress(int peer) const { return peers_[static_cast<size_t>(peer)]; }
  // The job's secret, for the communicator's other authenticated channels (the alarm line).
  const bootstrap::Secret& secret() const { return secret_; }

 private:
  Bootstrap(const BootstrapOptions& options, const bootstrap::Secret& secret, UniqueFd listenFd,
            const bootstrap::SocketAddress& listen, std::vector<bootstrap::SocketAddress> peers);

  // The deadline of one operation; while it waits, it serves this rank's incoming connections.
  bootstrap::IoWait newWait();
  Status checkPeer(int peer) const;
  std::string describe(const char* op, int peer, uint32_t tag, size_t bytes) const;
  Expected<int> connection(int peer, const bootstrap::IoWait& io);
  Status sendTagged(int peer, uint32_t tag, std::span<const std::byte> data, const bootstrap::IoWait& io);
  Status recvTagged(int peer, uint32_t tag, std::span<std::byte> data, const bootstrap::IoWait& io);

  BootstrapOptions options_;
  bootstrap::Secret secret_;
  bootstrap::SocketAddress listen_;
  std::vector<bootstrap::SocketAddress> peers_;
  std::vector<UniqueFd> outgoing_;  // per peer, opened on first send
  bootstrap::Inbox inbox_;
};

}  // namespace fccl
