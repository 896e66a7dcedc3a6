#include "topology/domain_identity.h"

#include <unistd.h>

#include "common/env.h"
#include "topology/identity_hash.h"

namespace fccl {

DomainIdentity localDomainIdentity(const HostIdentity& host, const std::string& deviceFabricId) {
  if (auto name = envString("FCCL_SCALEUP_DOMAIN"); name && !name->empty())
    return {identityHash("domain:" + *name), "FCCL_SCALEUP_DOMAIN=" + *name};
  if (!deviceFabricId.empty()) return {identityHash("fabric:" + deviceFabricId), "device fabric " + deviceFabricId};
  char name[256] = {};
  gethostname(name, sizeof(name) - 1);
  return {identityHash("host-domain:" + std::to_string(host.hash)), std::string("host ") + name};
}

}  // namespace fccl
