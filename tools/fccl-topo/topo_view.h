// What fccl-topo shows of a topology: every rank's place and NIC, the per-hop fabric matrix
// with reasons, the ring order and the two trees over it. Built from the same functions the
// communicator uses (topology/hop_choice.h, topology/topology_ring.h, the double binary tree),
// so what it prints is what a job on that topology does.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "common/expected.h"
#include "topology/hop_choice.h"
#include "topology/rank_place.h"

namespace fccl::topo {

struct RankView {
  RankPlace place;
  std::string nic;  // "efa0 (400 Gbps)", or "" when the topology names none
};

struct TopoView {
  std::string title;   // the file's name, or "this host"
  std::string source;  // the file's path, or "detected"
  std::vector<RankView> ranks;
  std::vector<std::vector<HopChoice>> hops;  // [from][to]; the diagonal is unused
  std::vector<int> ring;
  int crossings = 0;
  std::array<std::vector<int>, 2> treeParents;  // per tree, each rank's parent (-1 at the root)
  std::vector<std::string> hardware;            // lines about this host's hardware (detected only)
};

// From a topology file (FCCL_TOPO_FILE's format).
Expected<TopoView> viewOfFile(const std::string& path);
// `nranks` ranks on this host, placed as the environment places them (FCCL_SCALEUP_DOMAIN).
Expected<TopoView> viewOfThisHost(int nranks);

std::string renderText(const TopoView& view);
std::string renderJson(const TopoView& view);
std::string renderDot(const TopoView& view);

}  // namespace fccl::topo
