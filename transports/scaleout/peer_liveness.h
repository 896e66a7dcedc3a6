// Knowing that a peer device is gone, whatever the provider says. libfabric 1.17's tcp;ofi_rxm
// and shm report nothing when the process at the other end dies: a send to it stays pending or
// returns -FI_EAGAIN forever, a receive from it simply never completes. So each pair of devices
// that share a connection also share one idle TCP connection, the "watch". It carries a 24-byte
// hello and nothing else; the kernel closes it when either process dies (the peer then reads
// EOF at once), and TCP keepalive probes notice a host that vanished (about 20 s).
//
// One watch serves every connection between the two devices, so a thousand connections to one
// peer cost one socket. Whichever side connects first creates it (a sender, in connect()); a
// receiver waits in accept() until one exists. A peer, once dead, stays dead: device ids are
// random per process, a restarted peer is a new one.
//
// Not thread-safe: the owning device holds its lock around every call.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/expected.h"
#include "common/unique_fd.h"
#include "transports/scaleout/ofi_wire.h"

namespace fccl {

class PeerLiveness {
 public:
  enum class State { kUnknown, kConnecting, kAlive, kDead };
  using Clock = std::chrono::steady_clock;

  // Listens on `address` (its port is ignored: the kernel picks one); `selfId` is this
  // device's id, which peers' hellos must name.
  static Expected<std::unique_ptr<PeerLiveness>> create(uint64_t selfId, const WatchAddress& address);

  // The address peers connect to (the port filled in).
  const WatchAddress& address() const { return address_; }
  // Starts a watch to `peerId` at `address` unless one exists or is on its way.
  Status watch(uint64_t peerId, const WatchAddress& address);
  State state(uint64_t peerId) const;
  // For a dead peer: why, and since when.
  std::string why(uint64_t peerId) const;
  Clock::time_point deadSince(uint64_t peerId) const;
  // Accepts watches, finishes connects, reads hellos and notices closed watches. Never blocks.
  void poll();

 private:
  struct Watch {
    UniqueFd fd;
    uint64_t peer = 0;      // 0 until an incoming watch's hello names it
    bool outgoing = false;
    bool ready = false;     // connected and hello exchanged
    uint8_t hello[24] = {};
    size_t helloBytes = 0;  // sent (outgoing) or received (incoming) so far
  };
  struct Peer {
    State state = State::kUnknown;
    Clock::time_point deadSince{};
    std::string why;
  };

  PeerLiveness(uint64_t selfId, UniqueFd listener, const WatchAddress& address)
      : selfId_(selfId), listener_(std::move(listener)), address_(address) {}
  void acceptNew();
  // Advances one watch after poll() reported `events`; false when it must be dropped.
  bool advance(Watch& w, short events);
  void markDead(uint64_t peer, std::string why);
  void markAlive(uint64_t peer);

  uint64_t selfId_;
  UniqueFd listener_;
  WatchAddress address_;
  std::vector<Watch> watches_;
  std::unordered_map<uint64_t, Peer> peers_;
};

}  // namespace fccl
