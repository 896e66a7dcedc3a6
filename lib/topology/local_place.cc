#include "topology/local_place.h"

#include "common/env.h"
#include "topology/domain_identity.h"
#include "topology/host_identity.h"
#include "topology/topology_file.h"

namespace fccl {

Expected<LocalPlace> localPlace(int rank, int nranks, const std::string& deviceFabricId) {
  const HostIdentity host = localHostIdentity();
  const DomainIdentity domain = localDomainIdentity(host, deviceFabricId);
  LocalPlace local{RankPlace{host.hash, domain.hash, localKernelIdentity(), "", domain.name},
                   "host " + host.description + ", scale-up domain " + domain.name, ""};
  auto path = envString("FCCL_TOPO_FILE");
  if (!path || path->empty()) return local;
  FCCL_ASSIGN_OR_RETURN(TopologyFile file, loadTopologyFile(*path));
  if (file.ranks() != nranks)
    return Status(Code::kInvalidUsage, "topology file " + *path + " describes " + std::to_string(file.ranks()) +
                                           " ranks, the communicator has " + std::to_string(nranks));
  const RankPlace fromFile = placesOf(file, local.place.kernel)[static_cast<size_t>(rank)];
  local.place = fromFile;
  if (const TopoNic* nic = file.nicOf(rank)) local.nic = nic->name;
  local.description = "host " + fromFile.hostName + ", scale-up domain " + fromFile.domainName + " (FCCL_TOPO_FILE=" +
                      *path + ")";
  return local;
}

}  // namespace fccl
