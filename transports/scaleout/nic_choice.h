// Which of the net's NICs a rank uses when FCCL_NET_DEVICE does not say: the one a topology file
// names for it; else one nearest to it (on its NUMA node), the local ranks of a host spread
// over the nearest ones in turn, one rail per NIC. Pure: the caller gathers the facts, so the
// rule is tested without hardware.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace fccl {

struct NicCandidate {
  std::string name;  // the net's device name (fi_getinfo's domain: "efa0", "eth0", ...)
  int numaNode = -1;  // from its PCI device; -1: unknown
};

struct NicHint {
  std::string name;     // the NIC a topology file gives this rank; "" if none
  int localIndex = 0;   // this rank among the ranks of its host
  int numaNode = -1;    // where this rank runs; -1: unknown
  // A NIC's NUMA node from its PCI path (the topology layer asks hwloc); unset: sysfs.
  std::function<int(const std::string& pciPath)> numaOfPci;
};

struct NicChoice {
  int device = 0;
  std::string reason;
};

NicChoice chooseNic(const std::vector<NicCandidate>& nics, const NicHint& hint);

// The NUMA node of a NIC from its sysfs PCI path, -1 when unknown.
int numaNodeOfPciPath(const std::string& pciPath);

}  // namespace fccl
