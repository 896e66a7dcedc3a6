#include "bootstrap/unique_id.h"

#include <cstring>
#include <span>
#include <string>

#include "bootstrap/bytes.h"
#include "bootstrap/interface.h"
#include "bootstrap/root.h"
#include "bootstrap/socket.h"
#include "common/env.h"
#include "common/log.h"

namespace fccl {
namespace {

using bootstrap::getBe;
using bootstrap::putBe;
using bootstrap::SocketAddress;

constexpr uint32_t kIdMagic = 0x46434944;  // "FCID"
constexpr uint16_t kIdVersion = 1;
constexpr size_t kAddressOffset = 8;
constexpr size_t kSecretOffset = kAddressOffset + SocketAddress::kPackedBytes;
static_assert(kSecretOffset + bootstrap::kSecretBytes <= FCCL_UNIQUE_ID_BYTES);

std::span<std::byte, FCCL_UNIQUE_ID_BYTES> bytesOf(fcclUniqueId& id) {
  return std::span<std::byte, FCCL_UNIQUE_ID_BYTES>(reinterpret_cast<std::byte*>(id.internal), FCCL_UNIQUE_ID_BYTES);
}
std::span<const std::byte, FCCL_UNIQUE_ID_BYTES> bytesOf(const fcclUniqueId& id) {
  return std::span<const std::byte, FCCL_UNIQUE_ID_BYTES>(reinterpret_cast<const std::byte*>(id.internal),
                                                          FCCL_UNIQUE_ID_BYTES);
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Rank 0 of an environment-only launch listens where FCCL_COMM_ID points. When that address
// is not one of this host's own (a name that resolves through NAT, say), it listens on every
// address of that family instead: authentication, not the bind, keeps strangers out.
Expected<UniqueFd> listenForEnvRoot(const SocketAddress& root) {
  auto fd = bootstrap::listenOn(root);
  if (fd.isOk()) return fd;
  auto any = bootstrap::listenOn(root.wildcard());
  if (any.isOk()) {
    FCCL_INFO(Subsys::kBootstrap, "bootstrap: %s; listening on %s instead", fd.status().message().c_str(),
              root.wildcard().toString().c_str());
    return any;
  }
  return std::move(fd).takeStatus();
}

}  // namespace

void encodeUniqueId(const UniqueIdData& data, fcclUniqueId* out) {
  auto bytes = bytesOf(*out);
  std::memset(bytes.data(), 0, bytes.size());
  putBe<uint32_t>(bytes, 0, kIdMagic);
  putBe<uint16_t>(bytes, 4, kIdVersion);
  data.root.pack(bytes.subspan<kAddressOffset, SocketAddress::kPackedBytes>());
  std::memcpy(bytes.data() + kSecretOffset, data.secret.data(), data.secret.size());
}

Expected<UniqueIdData> decodeUniqueId(const fcclUniqueId& id) {
  const auto bytes = bytesOf(id);
  if (getBe<uint32_t>(bytes, 0) != kIdMagic)
    return Status(Code::kInvalidArgument, "not an fccl unique id (bad magic): was it made by fcclGetUniqueId?");
  if (uint16_t version = getBe<uint16_t>(bytes, 4); version != kIdVersion)
    return Status(Code::kInvalidArgument, "unique id of format version " + std::to_string(version) +
                                              ", this library reads version " + std::to_string(kIdVersion));
  if (getBe<uint16_t>(bytes, 6) != 0) return Status(Code::kInvalidArgument, "unique id: reserved field is not zero");
  auto root = SocketAddress::unpack(bytes.subspan<kAddressOffset, SocketAddress::kPackedBytes>());
  if (!root.isOk()) return std::move(root).takeStatus().context("unique id: root address");
  UniqueIdData data;
  data.root = *root;
  std::memcpy(data.secret.data(), bytes.data() + kSecretOffset, data.secret.size());
  return data;
}

Expected<bootstrap::Secret> parseSecretHex(std::string_view text, std::string_view what) {
  // The value itself is never echoed: it is a secret.
  if (text.size() != 2 * bootstrap::kSecretBytes)
    return Status(Code::kInvalidArgument,
                  std::string(what) + " must be " + std::to_string(2 * bootstrap::kSecretBytes) +
                      " hex digits (128 bits), it has " + std::to_string(text.size()) + " characters");
  bootstrap::Secret secret{};
  for (size_t i = 0; i < secret.size(); ++i) {
    const int high = hexValue(text[2 * i]), low = hexValue(text[2 * i + 1]);
    if (high < 0 || low < 0)
      return Status(Code::kInvalidArgument, std::string(what) + " must be hex digits only (0-9, a-f): position " +
                                                std::to_string(high < 0 ? 2 * i : 2 * i + 1) + " is not");
    secret[i] = static_cast<std::byte>(high * 16 + low);
  }
  return secret;
}

Status createUniqueId(fcclUniqueId* out, int64_t timeoutMs) {
  if (!out) return Status(Code::kInvalidArgument, "createUniqueId: the id pointer is NULL");
  if (timeoutMs <= 0)
    return Status(Code::kInvalidArgument, "createUniqueId: timeout " + std::to_string(timeoutMs) + " ms");
  FCCL_ASSIGN_OR_RETURN(SocketAddress address, bootstrap::findListenAddress());
  if (auto commId = envString("FCCL_COMM_ID")) {
    FCCL_ASSIGN_OR_RETURN(SocketAddress fixed, bootstrap::resolveHostPort(*commId, "FCCL_COMM_ID"));
    address.setPort(fixed.port());
  }
  auto fd = bootstrap::listenOn(address);
  if (!fd.isOk()) return std::move(fd).takeStatus().context("bootstrap root");
  FCCL_ASSIGN_OR_RETURN(SocketAddress bound, bootstrap::localAddress(fd->get()));
  UniqueIdData data{bound, {}};
  FCCL_TRY(bootstrap::randomBytes(data.secret));
  FCCL_TRY(bootstrap::startRootService(std::move(fd).take(), bound, data.secret, timeoutMs));
  encodeUniqueId(data, out);
  return Status::ok();
}

Expected<fcclUniqueId> uniqueIdFromEnv(int rank, int64_t timeoutMs) {
  auto commId = envString("FCCL_COMM_ID");
  if (!commId)
    return Status(Code::kInvalidArgument, "FCCL_COMM_ID is not set (expected host:port of rank 0's bootstrap root)");
  auto secretText = envString("FCCL_COMM_SECRET");
  if (!secretText)
    return Status(Code::kInvalidArgument,
                  "FCCL_COMM_SECRET is not set: a launch through FCCL_COMM_ID needs the job's 128-bit secret as 32 hex "
                  "digits, the same on every rank (e.g. from `openssl rand -hex 16`)");
  FCCL_ASSIGN_OR_RETURN(bootstrap::Secret secret, parseSecretHex(*secretText, "FCCL_COMM_SECRET"));
  FCCL_ASSIGN_OR_RETURN(SocketAddress root, bootstrap::resolveHostPort(*commId, "FCCL_COMM_ID"));
  if (rank < 0) return Status(Code::kInvalidArgument, "uniqueIdFromEnv: rank " + std::to_string(rank));
  if (rank == 0) {
    if (timeoutMs <= 0)
      return Status(Code::kInvalidArgument, "uniqueIdFromEnv: timeout " + std::to_string(timeoutMs) + " ms");
    auto fd = listenForEnvRoot(root);
    if (!fd.isOk())
      return std::move(fd).takeStatus().context("FCCL_COMM_ID=" + *commId + ": rank 0 cannot be the root");
    FCCL_TRY(bootstrap::startRootService(std::move(fd).take(), root, secret, timeoutMs));
  }
  fcclUniqueId id;
  encodeUniqueId(UniqueIdData{root, secret}, &id);
  return id;
}

}  // namespace fccl
