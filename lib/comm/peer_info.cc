#include "comm/peer_info.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "fccl/fccl.h"

namespace fccl {
namespace {
constexpr uint64_t kPeerInfoMagic = 0x6663636c70656572ull;  // "fcclpeer"
}

PeerInfo localPeerInfo(int rank, const RankPlace& place, uint64_t chunkBytes, uint32_t fifoSlots, bool checkCalls) {
  PeerInfo p{};
  p.magic = kPeerInfoMagic;
  p.rank = rank;
  p.pid = getpid();
  p.hostHash = place.host;
  p.domainHash = place.domain;
  p.kernelHash = place.kernel;
  std::snprintf(p.domain, sizeof(p.domain), "%s", place.domainName.c_str());
  p.chunkBytes = chunkBytes;
  p.fifoSlots = fifoSlots;
  p.version = FCCL_VERSION_CODE;
  p.checkCalls = checkCalls ? 1 : 0;
  if (!place.hostName.empty()) std::snprintf(p.host, sizeof(p.host), "%s", place.hostName.c_str());  // a topology file's
  else gethostname(p.host, sizeof(p.host) - 1);
  return p;
}

RankPlace placeOf(const PeerInfo& info) {
  return RankPlace{info.hostHash, info.domainHash, info.kernelHash,
                   std::string(info.host, strnlen(info.host, sizeof(info.host))),
                   std::string(info.domain, strnlen(info.domain, sizeof(info.domain)))};
}

Expected<std::vector<PeerInfo>> validatePeerInfos(std::span<const PeerInfo> all, const PeerInfo& self) {
  std::vector<PeerInfo> out(all.begin(), all.end());
  for (size_t r = 0; r < out.size(); ++r) {
    PeerInfo& p = out[r];
    p.host[sizeof(p.host) - 1] = '\0';
    p.domain[sizeof(p.domain) - 1] = '\0';
    const std::string who = "rank " + std::to_string(r);
    if (p.magic != kPeerInfoMagic || p.rank != static_cast<int32_t>(r) || p.pid <= 0 || p.alarmPort == 0 ||
        p.alarmPort > 65535)
      return Status(Code::kRemote, who + " sent a malformed peer record");
    if (p.version != self.version)
      return Status(Code::kInvalidUsage, who + " runs fccl version " + std::to_string(p.version) + ", this rank " +
                                             std::to_string(self.version));
    if (p.chunkBytes != self.chunkBytes || p.fifoSlots != self.fifoSlots)
      return Status(Code::kInvalidUsage, who + " uses FCCL_CHUNK_SIZE=" + std::to_string(p.chunkBytes) +
                                             " FCCL_SHM_SLOTS=" + std::to_string(p.fifoSlots) + ", this rank " +
                                             std::to_string(self.chunkBytes) + " and " +
                                             std::to_string(self.fifoSlots) + ": set them alike on every rank");
    if (p.checkCalls != self.checkCalls)
      return Status(Code::kInvalidUsage, who + " runs with FCCL_CHECK=" + std::to_string(p.checkCalls) +
                                             ", this rank with " + std::to_string(self.checkCalls) +
                                             ": set it alike on every rank");
  }
  return out;
}

}  // namespace fccl
