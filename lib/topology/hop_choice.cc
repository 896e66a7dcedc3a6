#include "topology/hop_choice.h"

namespace fccl {

Expected<HopChoice> chooseHop(const RankPlace& self, const RankPlace& peer, int peerRank, std::string_view forced) {
  const std::string who = "rank " + std::to_string(peerRank);
  if (forced == "scaleout") return HopChoice{Fabric::kScaleOut, "scale-out: forced by FCCL_TRANSPORT=scaleout"};
  const bool sameDomain = self.domain == peer.domain;
  const bool mappable = self.kernel == peer.kernel;  // shared memory, the scale-up model, needs one kernel
  if (sameDomain && mappable) {
    if (!forced.empty()) return HopChoice{Fabric::kScaleUp, "scale-up: forced by FCCL_TRANSPORT=scaleup"};
    if (self.host == peer.host) return HopChoice{Fabric::kScaleUp, "scale-up: same host, peer memory is mappable"};
    return HopChoice{Fabric::kScaleUp, "scale-up: " + who + " is on host " + peer.hostName + " in this rank's scale-up domain (" +
                                           self.domainName + "), peer memory is mappable"};
  }
  std::string why = !sameDomain ? who + " is on host " + peer.hostName + ", outside this rank's scale-up domain (" +
                                      self.domainName + ")"
                                : who + " shares the scale-up domain (" + self.domainName +
                                      ") but not this kernel, so its memory cannot be mapped here";
  if (forced == "scaleup") return Status(Code::kInvalidUsage, why + ", but FCCL_TRANSPORT=scaleup");
  return HopChoice{Fabric::kScaleOut, "scale-out: " + why};
}

}  // namespace fccl
