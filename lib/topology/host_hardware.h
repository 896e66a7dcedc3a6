// This host's hardware as hwloc sees it: packages, NUMA nodes and their distances, cores, the
// network devices and accelerators with the PCI address and NUMA node they hang off. The scale-out NIC of a rank is the one
// nearest to it (same NUMA node) when there is a choice; fccl-topo prints what was found.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fccl {

struct HostNic {
  std::string name;     // "eth0", "mlx5_0", ...
  std::string pciBus;   // "0000:00:03.0", or "" for a virtual device
  int numaNode = -1;    // -1: no locality known
};

struct HostHardware {
  int packages = 0;
  int numaNodes = 0;
  int cores = 0;
  int threads = 0;
  std::vector<HostNic> nics;
  std::vector<HostNic> accelerators;          // hwloc's GPU and co-processor devices, with their locality
  std::vector<std::vector<uint64_t>> numaDistances;  // hwloc's NUMA latency matrix, when the OS gives one
  std::string error;  // why detection failed, if it did
  std::vector<std::string> describe() const;
};

HostHardware detectHostHardware();
// The NUMA node of the CPU this thread last ran on, -1 when unknown.
int currentNumaNode();
// The CPUs of NUMA node `node` (hwloc's cpuset) that this process may run on; empty when hwloc
// does not know the node or none of its CPUs is allowed.
std::vector<int> cpusOfNumaNode(int node);
// The NUMA node of a PCI device, found in hwloc's tree from its sysfs path or bus id
// ("/sys/bus/pci/devices/0000:00:03.0", "0000:00:03.0"); -1 when hwloc does not place it.
int numaNodeOfPci(const std::string& pciPathOrBusId);

}  // namespace fccl
