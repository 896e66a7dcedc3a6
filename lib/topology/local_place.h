// This rank's place: its host and kernel as the machine says, its scale-up domain from
// FCCL_SCALEUP_DOMAIN (else the host), all overridden by FCCL_TOPO_FILE, which names host and
// domain for every rank of the job (the kernel stays the real one: only it says whether shared
// memory can join two ranks).
#pragma once

#include <string>

#include "common/expected.h"
#include "topology/rank_place.h"

namespace fccl {

struct LocalPlace {
  RankPlace place;
  std::string description;  // for the init log: where each part came from
  std::string nic;          // the NIC a topology file gives this rank, "" otherwise
};

// `deviceFabricId`: what the device plugin's fabricId reports ("" for none).
Expected<LocalPlace> localPlace(int rank, int nranks, const std::string& deviceFabricId = "");

}  // namespace fccl
