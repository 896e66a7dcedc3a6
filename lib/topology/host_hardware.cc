#include "topology/host_hardware.h"

#include <hwloc.h>

#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace fccl {
namespace {

int countOf(hwloc_topology_t topo, hwloc_obj_type_t type) {
  const int n = hwloc_get_nbobjs_by_type(topo, type);
  return n < 0 ? 0 : n;
}

// The NUMA node of the first non-I/O ancestor of an I/O object, -1 when it has none.
int numaOf(hwloc_topology_t topo, hwloc_obj_t obj) {
  hwloc_obj_t parent = hwloc_get_non_io_ancestor_obj(topo, obj);
  if (!parent || !parent->nodeset) return -1;
  return hwloc_bitmap_first(parent->nodeset);
}

std::string pciBusOf(hwloc_obj_t obj) {
  for (hwloc_obj_t p = obj->parent; p; p = p->parent)
    if (p->type == HWLOC_OBJ_PCI_DEVICE) {
      char bus[32];
      std::snprintf(bus, sizeof(bus), "%04x:%02x:%02x.%01x", p->attr->pcidev.domain, p->attr->pcidev.bus,
                    p->attr->pcidev.dev, p->attr->pcidev.func);
      return bus;
    }
  return "";
}

}  // namespace

HostHardware detectHostHardware() {
  HostHardware hw;
  hwloc_topology_t topo = nullptr;
  if (hwloc_topology_init(&topo) != 0) {
    hw.error = "hwloc_topology_init failed";
    return hw;
  }
  hwloc_topology_set_io_types_filter(topo, HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
  if (hwloc_topology_load(topo) != 0) {
    hw.error = "hwloc_topology_load failed";
    hwloc_topology_destroy(topo);
    return hw;
  }
  hw.packages = countOf(topo, HWLOC_OBJ_PACKAGE);
  hw.numaNodes = countOf(topo, HWLOC_OBJ_NUMANODE);
  hw.cores = countOf(topo, HWLOC_OBJ_CORE);
  hw.threads = countOf(topo, HWLOC_OBJ_PU);
  for (hwloc_obj_t os = hwloc_get_next_osdev(topo, nullptr); os; os = hwloc_get_next_osdev(topo, os)) {
    const auto kind = os->attr->osdev.type;
    const HostNic device{os->name ? os->name : "?", pciBusOf(os), numaOf(topo, os)};
    if (kind == HWLOC_OBJ_OSDEV_NETWORK || kind == HWLOC_OBJ_OSDEV_OPENFABRICS) hw.nics.push_back(device);
    if (kind == HWLOC_OBJ_OSDEV_GPU || kind == HWLOC_OBJ_OSDEV_COPROC) hw.accelerators.push_back(device);
  }
  unsigned count = 1;
  hwloc_distances_s* distances = nullptr;
  // At most one matrix is stored; more available only raise `count`.
  if (hwloc_distances_get_by_type(topo, HWLOC_OBJ_NUMANODE, &count, &distances, HWLOC_DISTANCES_KIND_MEANS_LATENCY, 0) ==
          0 &&
      count >= 1 && distances) {
    const unsigned n = distances->nbobjs;
    hw.numaDistances.assign(n, std::vector<uint64_t>(n));
    for (unsigned i = 0; i < n; ++i)
      for (unsigned j = 0; j < n; ++j) hw.numaDistances[i][j] = distances->values[i * n + j];
    hwloc_distances_release(topo, distances);
  }
  hwloc_topology_destroy(topo);
  return hw;
}

int currentNumaNode() {
  const int cpu = sched_getcpu();
  if (cpu < 0) return -1;
  // sysfs links each CPU to its node: /sys/devices/system/cpu/cpuN/nodeM. Cheaper than loading
  // a whole hwloc topology for one number.
  const std::string dir = "/sys/devices/system/cpu/cpu" + std::to_string(cpu);
  for (int node = 0; node < 1024; ++node)
    if (access((dir + "/node" + std::to_string(node)).c_str(), F_OK) == 0) return node;
  return -1;
}

namespace {

// One hwloc tree per process, loaded on first use: the NIC choice and the placement of progress
// threads run once per communicator.
hwloc_topology_t processTopology() {
  static hwloc_topology_t topo = [] {
    hwloc_topology_t t = nullptr;
    if (hwloc_topology_init(&t) != 0) return static_cast<hwloc_topology_t>(nullptr);
    hwloc_topology_set_io_types_filter(t, HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
    if (hwloc_topology_load(t) != 0) {
      hwloc_topology_destroy(t);
      return static_cast<hwloc_topology_t>(nullptr);
    }
    return t;
  }();
  return topo;
}

}  // namespace

std::vector<int> cpusOfNumaNode(int node) {
  std::vector<int> cpus;
  hwloc_topology_t topo = processTopology();
  if (!topo || node < 0) return cpus;
  hwloc_obj_t numa = hwloc_get_numanode_obj_by_os_index(topo, static_cast<unsigned>(node));
  if (!numa || !numa->cpuset) return cpus;
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return cpus;
  unsigned cpu = 0;
  hwloc_bitmap_foreach_begin(cpu, numa->cpuset) {
    if (cpu < CPU_SETSIZE && CPU_ISSET(cpu, &allowed)) cpus.push_back(static_cast<int>(cpu));
  }
  hwloc_bitmap_foreach_end();
  return cpus;
}

int numaNodeOfPci(const std::string& pciPathOrBusId) {
  const size_t slash = pciPathOrBusId.rfind('/');
  const std::string bus = slash == std::string::npos ? pciPathOrBusId : pciPathOrBusId.substr(slash + 1);
  if (bus.empty()) return -1;
  hwloc_topology_t topo = processTopology();
  if (!topo) return -1;
  hwloc_obj_t dev = hwloc_get_pcidev_by_busidstring(topo, bus.c_str());
  return dev ? numaOf(topo, dev) : -1;
}

std::vector<std::string> HostHardware::describe() const {
  std::vector<std::string> lines;
  if (!error.empty()) {
    lines.push_back("hardware: not detected (" + error + ")");
    return lines;
  }
  lines.push_back("hardware: " + std::to_string(packages) + " package(s), " + std::to_string(numaNodes) +
                  " NUMA node(s), " + std::to_string(cores) + " core(s), " + std::to_string(threads) + " thread(s)");
  if (nics.empty()) lines.push_back("network devices: none that hwloc reports");
  if (!numaDistances.empty()) {
    std::string row = "NUMA distances:";
    for (const auto& r : numaDistances) {
      row += " [";
      for (size_t j = 0; j < r.size(); ++j) {
        if (j) row += ' ';
        row += std::to_string(r[j]);
      }
      row += "]";
    }
    lines.push_back(row);
  }
  for (const HostNic& nic : nics)
    lines.push_back("network device " + nic.name + (nic.pciBus.empty() ? "" : " at PCI " + nic.pciBus) +
                    (nic.numaNode >= 0 ? ", NUMA node " + std::to_string(nic.numaNode) : ", no NUMA locality"));
  if (accelerators.empty()) lines.push_back("accelerators: none that hwloc reports (the device plugin's devices)");
  for (const HostNic& a : accelerators)
    lines.push_back("accelerator " + a.name + (a.pciBus.empty() ? "" : " at PCI " + a.pciBus) +
                    (a.numaNode >= 0 ? ", NUMA node " + std::to_string(a.numaNode) : ""));
  return lines;
}

}  // namespace fccl
