// Where a rank sits, as far as the choice of fabric for a hop and the order of a ring need to
// know: its host, its scale-up domain, and the kernel whose processes can map its memory.
// Every rank learns every rank's place at init, so all of them decide alike.
#pragma once

#include <cstdint>
#include <string>

namespace fccl {

struct RankPlace {
  uint64_t host = 0;    // host identity (topology/host_identity.h)
  uint64_t domain = 0;  // scale-up domain: FCCL_SCALEUP_DOMAIN, else the host
  uint64_t kernel = 0;  // boot and PID namespace: a process here can map the memory of one there
  std::string hostName;    // for messages
  std::string domainName;  // for messages
};

}  // namespace fccl
