// The per-hop choice of fabric: scale-up when both ranks are in one scale-up domain and the
// scale-up transport can join them, scale-out otherwise; FCCL_TRANSPORT forces one. A pure
// function of the two places, so every rank makes the same choice for a hop, and the reason
// it gives is what FCCL_DEBUG=INFO logs and fccl-topo prints.
#pragma once

#include <string>
#include <string_view>

#include "common/expected.h"
#include "topology/rank_place.h"

namespace fccl {

enum class Fabric { kScaleUp, kScaleOut };

struct HopChoice {
  Fabric fabric = Fabric::kScaleOut;
  std::string reason;
};

// `forced`: "" (choose), "scaleup" or "scaleout". Forcing scale-up onto a hop it cannot join is
// an error naming the peer.
Expected<HopChoice> chooseHop(const RankPlace& self, const RankPlace& peer, int peerRank, std::string_view forced);

}  // namespace fccl
