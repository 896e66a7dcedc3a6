// The NIC a rank takes when FCCL_NET_DEVICE does not say: the topology file's, else one on its
// NUMA node with the host's local ranks spread over those in turn, else the net's first.
#include <catch2/catch.hpp>

#include "transports/scaleout/nic_choice.h"

namespace fccl::test {
namespace {

NicHint hint(const char* name, int localIndex, int numaNode) {
  NicHint h;
  h.name = name;
  h.localIndex = localIndex;
  h.numaNode = numaNode;
  return h;
}

}  // namespace

TEST_CASE("a NIC named by the topology file wins", "[unit][net]") {
  const std::vector<NicCandidate> nics{{"efa0", 0}, {"efa1", 1}, {"lo", -1}};
  const NicChoice c = chooseNic(nics, hint("efa1", 0, 0));
  CHECK(c.device == 1);
  CHECK(c.reason == "efa1: named for this rank by the topology file");
}

TEST_CASE("local ranks spread over the NICs of their NUMA node, one rail each", "[unit][net]") {
  const std::vector<NicCandidate> nics{{"efa0", 0}, {"efa1", 0}, {"efa2", 1}, {"efa3", 1}, {"lo", -1}};
  CHECK(chooseNic(nics, hint("", 0, 0)).device == 0);
  CHECK(chooseNic(nics, hint("", 1, 0)).device == 1);
  CHECK(chooseNic(nics, hint("", 2, 0)).device == 0);
  CHECK(chooseNic(nics, hint("", 3, 1)).device == 3);
  const NicChoice c = chooseNic(nics, hint("", 2, 1));
  CHECK(c.device == 2);
  CHECK(c.reason == "efa2: on this rank's NUMA node 1, local rank 2 takes rail 0 of 2");
  // A name the net does not have falls back to nearness.
  CHECK(chooseNic(nics, hint("mlx5_0", 1, 1)).device == 3);
}

TEST_CASE("without locality the net's first NIC is taken", "[unit][net]") {
  const std::vector<NicCandidate> nics{{"eth0", -1}, {"lo", -1}};
  const NicChoice c = chooseNic(nics, hint("", 3, 0));
  CHECK(c.device == 0);
  CHECK(c.reason == "eth0: the net's first NIC (no NIC on this rank's NUMA node)");
  CHECK(chooseNic(nics, hint("", 0, -1)).device == 0);
  CHECK(chooseNic({}, hint("", 0, 0)).device == 0);
}

TEST_CASE("a NIC's NUMA node comes from its sysfs PCI path", "[unit][net]") {
  CHECK(numaNodeOfPciPath("") == -1);
  CHECK(numaNodeOfPciPath("/nonexistent/pci") == -1);
}

}  // namespace fccl::test
