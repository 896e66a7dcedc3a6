// The unique id: what every rank needs to join one rendezvous, in the 128 opaque bytes of
// fcclUniqueId. Layout (big-endian, the rest zero):
//
//   magic u32 "FCID" | version u16 | reserved u16 (0) | root address (24 bytes packed) | secret (16 bytes)
//
// The id is a capability: whoever holds it can join, so hand it out the way you would a
// password (MPI broadcast, a file readable only by the job).
#pragma once

#include <cstdint>

#include "bootstrap/address.h"
#include "bootstrap/auth.h"
#include "common/expected.h"
#include "fccl/fccl.h"

namespace fccl {

struct UniqueIdData {
  bootstrap::SocketAddress root;
  bootstrap::Secret secret{};
};

void encodeUniqueId(const UniqueIdData& data, fcclUniqueId* out);
// kInvalidArgument for anything but an id made by encodeUniqueId: bad magic or version, an
// address family other than IPv4/IPv6, port 0.
Expected<UniqueIdData> decodeUniqueId(const fcclUniqueId& id);

// Makes a new id: a fresh random secret and a listening socket on the address of the interface
// that FCCL_SOCKET_IFNAME names (else the first non-loopback IPv4 interface that is up, else
// 127.0.0.1), port 0 or FCCL_COMM_ID's port; and starts the root service of that rendezvous
// in this process, which waits `timeoutMs` for all ranks.
Status createUniqueId(fcclUniqueId* out, int64_t timeoutMs);

// Environment-only launch: the id from FCCL_COMM_ID=host:port (host a name, IPv4 or [IPv6])
// and FCCL_COMM_SECRET (32 hex digits, required), both kInvalidArgument when missing or
// malformed. Rank 0 also starts the root service, listening on that port.
Expected<fcclUniqueId> uniqueIdFromEnv(int rank, int64_t timeoutMs);

// 32 hex digits -> the 128-bit secret; `what` names the source in errors.
Expected<bootstrap::Secret> parseSecretHex(std::string_view text, std::string_view what);

}  // namespace fccl
