// A rank's scale-up domain: the ranks that reach each other over the load/store fabric. By
// default a domain is a host; FCCL_SCALEUP_DOMAIN names one that spans hosts (a rack of hosts
// joined by the scale-up fabric: on one machine, namespaces that share its memory). And the
// kernel identity, which says whether shared memory, our model of that fabric, can join two
// ranks at all: same boot, same PID namespace.
#pragma once

#include <cstdint>
#include <string>

#include "topology/host_identity.h"

namespace fccl {

struct DomainIdentity {
  uint64_t hash = 0;
  std::string name;  // "FCCL_SCALEUP_DOMAIN=rack0" or "host <hostname>"
};

DomainIdentity localDomainIdentity(const HostIdentity& host);
uint64_t localKernelIdentity();

}  // namespace fccl
