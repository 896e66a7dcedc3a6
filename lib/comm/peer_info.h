// What every rank tells every other at init, in a fixed-size record so that the bootstrap's
// all-gather can carry it; checked on arrival like any other bytes from a peer.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/expected.h"

namespace fccl {

struct PeerInfo {
  uint64_t magic;
  int32_t rank;
  int32_t pid;
  uint64_t hostHash;
  uint64_t chunkBytes;  // must agree: a receiver expects exactly what its peer sends
  uint32_t fifoSlots;
  uint32_t version;
  uint32_t checkCalls;  // FCCL_CHECK: must agree, checking is a collective exchange per call
  uint32_t reserved;
  char host[64];        // for messages only
};

PeerInfo localPeerInfo(int rank, uint64_t hostHash, uint64_t chunkBytes, uint32_t fifoSlots, bool checkCalls);
// Checks the gathered records: each names its own rank and the same protocol settings as ours.
Expected<std::vector<PeerInfo>> validatePeerInfos(std::span<const PeerInfo> all, const PeerInfo& self);

}  // namespace fccl
