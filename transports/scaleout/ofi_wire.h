// What the ofi net puts in a listen handle and on the wire besides data: the connect message a
// sender's first send carries, and the ctrl message a receiver sends for each receive it posts
// (the sender's permission to send into it). Every one of them arrives from a peer, so each is
// parsed by a function that checks every field before anything uses it.
//
// Layouts are fixed (packed, little-endian hosts on both sides).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/expected.h"
#include "fccl/fccl_net.h"

namespace fccl {

constexpr size_t kMaxEpAddrBytes = 88;  // fits efa (32), verbs (48), tcp (28), shm's string names
constexpr uint8_t kOfiWireVersion = 1;

// Where a peer's liveness listener is (see peer_liveness.h): an IPv4 or IPv6 address and port.
struct WatchAddress {
  uint8_t family = 0;  // 4 or 6
  uint16_t port = 0;   // host order
  uint8_t ip[16] = {};
};

struct OfiHandle {
  uint32_t listenId = 0;  // the connection id the receiver's listen comm waits on
  uint64_t ctxId = 0;     // the receiving device's random identity
  WatchAddress watch;
  uint16_t addrLen = 0;   // the receiving endpoint's fi_getname() address
  uint8_t addr[kMaxEpAddrBytes] = {};
};

void encodeHandle(const OfiHandle& h, std::span<std::byte, FCCL_NET_HANDLE_MAXSIZE> out);
Expected<OfiHandle> decodeHandle(std::span<const std::byte, FCCL_NET_HANDLE_MAXSIZE> in);

// Sender -> receiver, once, tagged (kConnect, listenId).
struct [[gnu::packed]] ConnectMsg {
  uint32_t magic;
  uint8_t version;
  uint8_t reserved;
  uint16_t addrLen;       // the sender endpoint's address, where ctrl messages go
  uint32_t listenId;
  uint32_t senderConnId;  // ctrl messages for this connection carry it
  uint64_t receiverCtxId; // echoes the handle: proves the sender was given it
  uint64_t senderCtxId;   // the sender device, for liveness
  uint8_t addr[kMaxEpAddrBytes];
};
static_assert(sizeof(ConnectMsg) == 120);

ConnectMsg makeConnectMsg(uint32_t listenId, uint32_t senderConnId, uint64_t receiverCtxId, uint64_t senderCtxId,
                          std::span<const uint8_t> senderAddr);
// `bytes` is what arrived; the message must be for `listenId` of the device `ourCtxId`.
Status checkConnectMsg(const ConnectMsg& m, size_t bytes, uint32_t listenId, uint64_t ourCtxId);

// Receiver -> sender, one per irecv, tagged (kCtrl, senderConnId): "the receive for message
// `seq` of `tag` is posted" for each of its buffers.
struct [[gnu::packed]] CtrlMsg {
  uint32_t magic;
  uint32_t count;
  struct [[gnu::packed]] Entry {
    uint32_t tag;
    uint32_t seq;
  } entries[FCCL_NET_MAX_RECVS];
};
static_assert(sizeof(CtrlMsg) == 72);

constexpr uint32_t kCtrlMagic = 0x4b4f6366;  // "fcOK"
Status checkCtrlMsg(const CtrlMsg& m, size_t bytes);

}  // namespace fccl
