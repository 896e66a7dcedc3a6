// A rank's scale-up domain: the ranks that reach each other over the load/store fabric. By
// default a domain is a host, or what the device plugin reports; FCCL_SCALEUP_DOMAIN names one
// that spans hosts (a rack of hosts
// joined by the scale-up fabric: on one machine, namespaces that share its memory).
#pragma once

#include <cstdint>
#include <string>

#include "topology/host_identity.h"

namespace fccl {

struct DomainIdentity {
  uint64_t hash = 0;
  std::string name;  // "FCCL_SCALEUP_DOMAIN=rack0" or "host <hostname>"
};

// FCCL_SCALEUP_DOMAIN when set; else the device's fabric id (fccl_device.h's fabricId: devices
// with one id reach each other by load/store) when it reports one; else the host.
DomainIdentity localDomainIdentity(const HostIdentity& host, const std::string& deviceFabricId = "");

}  // namespace fccl
