// What every rank tells every other at init, in a fixed-size record so that the bootstrap's
// all-gather can carry it; checked on arrival like any other bytes from a peer.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/expected.h"
#include "topology/rank_place.h"

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
  uint32_t alarmPort;   // the rank's alarm line (bootstrap/alarm_line.h), on its bootstrap host
  uint64_t domainHash;  // scale-up domain (topology/domain_identity.h)
  uint64_t kernelHash;  // whose processes can map each other's memory
  char host[64];        // for messages only
  char domain[64];      // for messages only
};

// The local record; `place` gives the host, domain and kernel identities.
PeerInfo localPeerInfo(int rank, const RankPlace& place, uint64_t chunkBytes, uint32_t fifoSlots, bool checkCalls);
// A rank's place in the topology, from its record.
RankPlace placeOf(const PeerInfo& info);
// Checks the gathered records: each names its own rank and the same protocol settings as ours.
Expected<std::vector<PeerInfo>> validatePeerInfos(std::span<const PeerInfo> all, const PeerInfo& self);

}  // namespace fccl
