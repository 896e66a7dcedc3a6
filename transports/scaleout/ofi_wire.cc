#include "transports/scaleout/ofi_wire.h"

#include <cstring>
#include <string>

#include "transports/scaleout/ofi_tag.h"

namespace fccl {
namespace {

constexpr uint32_t kHandleMagic = 0x4e4f6366;   // "fcON"
constexpr uint32_t kConnectMagic = 0x434f6366;  // "fcOC"

struct [[gnu::packed]] WireHandle {
  uint32_t magic;
  uint8_t version;
  uint8_t watchFamily;
  uint16_t addrLen;
  uint32_t listenId;
  uint16_t watchPort;
  uint16_t reserved;
  uint64_t ctxId;
  uint8_t watchIp[16];
  uint8_t addr[kMaxEpAddrBytes];
};
static_assert(sizeof(WireHandle) == FCCL_NET_HANDLE_MAXSIZE);

}  // namespace

void encodeHandle(const OfiHandle& h, std::span<std::byte, FCCL_NET_HANDLE_MAXSIZE> out) {
  WireHandle w{};
  w.magic = kHandleMagic;
  w.version = kOfiWireVersion;
  w.watchFamily = h.watch.family;
  w.addrLen = h.addrLen;
  w.listenId = h.listenId;
  w.watchPort = h.watch.port;
  w.ctxId = h.ctxId;
  std::memcpy(w.watchIp, h.watch.ip, sizeof(w.watchIp));
  std::memcpy(w.addr, h.addr, sizeof(w.addr));
  std::memcpy(out.data(), &w, sizeof(w));
}

Expected<OfiHandle> decodeHandle(std::span<const std::byte, FCCL_NET_HANDLE_MAXSIZE> in) {
  WireHandle w;
  std::memcpy(&w, in.data(), sizeof(w));
  if (w.magic != kHandleMagic) return Status(Code::kRemote, "not an ofi net handle (bad magic)");
  if (w.version != kOfiWireVersion)
    return Status(Code::kRemote, "ofi net handle version " + std::to_string(w.version) + ", this build speaks " +
                                     std::to_string(kOfiWireVersion));
  if (w.addrLen == 0 || w.addrLen > kMaxEpAddrBytes)
    return Status(Code::kRemote, "ofi net handle has an endpoint address of " + std::to_string(w.addrLen) + " bytes");
  if ((w.watchFamily != 4 && w.watchFamily != 6) || w.watchPort == 0)
    return Status(Code::kRemote, "ofi net handle has no valid liveness address");
  if (w.listenId == 0 || w.listenId > kMaxConnId)
    return Status(Code::kRemote, "ofi net handle has connection id " + std::to_string(w.listenId));
  OfiHandle h;
  h.listenId = w.listenId;
  h.ctxId = w.ctxId;
  h.watch.family = w.watchFamily;
  h.watch.port = w.watchPort;
  std::memcpy(h.watch.ip, w.watchIp, sizeof(h.watch.ip));
  h.addrLen = w.addrLen;
  std::memcpy(h.addr, w.addr, sizeof(h.addr));
  return h;
}

ConnectMsg makeConnectMsg(uint32_t listenId, uint32_t senderConnId, uint64_t receiverCtxId, uint64_t senderCtxId,
                          std::span<const uint8_t> senderAddr) {
  ConnectMsg m{};
  m.magic = kConnectMagic;
  m.version = kOfiWireVersion;
  m.addrLen = static_cast<uint16_t>(senderAddr.size());
  m.listenId = listenId;
  m.senderConnId = senderConnId;
  m.receiverCtxId = receiverCtxId;
  m.senderCtxId = senderCtxId;
  std::memcpy(m.addr, senderAddr.data(), senderAddr.size());
  return m;
}

Status checkConnectMsg(const ConnectMsg& m, size_t bytes, uint32_t listenId, uint64_t ourCtxId) {
  if (bytes != sizeof(m)) return Status(Code::kRemote, "connect message of " + std::to_string(bytes) + " bytes");
  if (m.magic != kConnectMagic || m.version != kOfiWireVersion)
    return Status(Code::kRemote, "connect message with a bad magic/version");
  if (m.listenId != listenId || m.receiverCtxId != ourCtxId)
    return Status(Code::kRemote, "connect message for another listener");
  if (m.addrLen == 0 || m.addrLen > kMaxEpAddrBytes)
    return Status(Code::kRemote, "connect message with a sender address of " + std::to_string(m.addrLen) + " bytes");
  if (m.senderConnId == 0 || m.senderConnId > kMaxConnId)
    return Status(Code::kRemote, "connect message with connection id " + std::to_string(m.senderConnId));
  return Status::ok();
}

Status checkCtrlMsg(const CtrlMsg& m, size_t bytes) {
  if (bytes < offsetof(CtrlMsg, entries) || m.magic != kCtrlMagic)
    return Status(Code::kRemote, "malformed ctrl message (" + std::to_string(bytes) + " bytes)");
  if (m.count == 0 || m.count > FCCL_NET_MAX_RECVS ||
      bytes != offsetof(CtrlMsg, entries) + m.count * sizeof(CtrlMsg::Entry))
    return Status(Code::kRemote, "ctrl message with " + std::to_string(m.count) + " entries in " +
                                     std::to_string(bytes) + " bytes");
  for (uint32_t i = 0; i < m.count; ++i)
    if (m.entries[i].tag > FCCL_NET_MAX_TAG)
      return Status(Code::kRemote, "ctrl message names tag " + std::to_string(m.entries[i].tag));
  return Status::ok();
}

}  // namespace fccl
