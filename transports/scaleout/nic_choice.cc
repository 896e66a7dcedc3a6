#include "transports/scaleout/nic_choice.h"

#include <fstream>

namespace fccl {

NicChoice chooseNic(const std::vector<NicCandidate>& nics, const NicHint& hint) {
  if (nics.empty()) return {0, "no NIC listed"};
  if (!hint.name.empty())
    for (size_t i = 0; i < nics.size(); ++i)
      if (nics[i].name == hint.name) return {static_cast<int>(i), nics[i].name + ": named for this rank by the topology file"};
  // The nearest: same NUMA node as the rank when known; else every NIC is as near as another.
  // The net lists loopback last, so it is taken only when nothing else is there.
  std::vector<int> nearest;
  if (hint.numaNode >= 0)
    for (size_t i = 0; i < nics.size(); ++i)
      if (nics[i].numaNode == hint.numaNode) nearest.push_back(static_cast<int>(i));
  const bool local = !nearest.empty();
  if (!local) nearest.push_back(0);  // the net's own preference order
  const int pick = nearest[static_cast<size_t>(hint.localIndex) % nearest.size()];
  std::string reason = nics[static_cast<size_t>(pick)].name + ": ";
  reason += local ? "on this rank's NUMA node " + std::to_string(hint.numaNode) : "the net's first NIC (no NIC on this rank's NUMA node)";
  if (nearest.size() > 1)
    reason += ", local rank " + std::to_string(hint.localIndex) + " takes rail " +
              std::to_string(hint.localIndex % static_cast<int>(nearest.size())) + " of " + std::to_string(nearest.size());
  return {pick, reason};
}

int numaNodeOfPciPath(const std::string& pciPath) {
  if (pciPath.empty()) return -1;
  std::ifstream in(pciPath + "/numa_node");
  int node = -1;
  if (!(in >> node)) return -1;
  return node;
}

}  // namespace fccl
