#include "tools/fccl-topo/topo_view.h"

#include <cstdio>

#include "algorithms/ring/ring.h"
#include "algorithms/tree/binary_tree.h"
#include "algorithms/tree/domain_tree.h"
#include "topology/host_hardware.h"
#include "topology/local_place.h"
#include "topology/topology_file.h"
#include "topology/topology_ring.h"

namespace fccl::topo {
namespace {

Expected<TopoView> complete(TopoView view) {
  std::vector<RankPlace> places;
  for (const RankView& r : view.ranks) places.push_back(r.place);
  const int n = static_cast<int>(places.size());
  view.hops.assign(places.size(), std::vector<HopChoice>(places.size()));
  for (int a = 0; a < n; ++a)
    for (int b = 0; b < n; ++b) {
      if (a == b) continue;
      FCCL_ASSIGN_OR_RETURN(view.hops[static_cast<size_t>(a)][static_cast<size_t>(b)],
                            chooseHop(places[static_cast<size_t>(a)], places[static_cast<size_t>(b)], b, ""));
    }
  view.ring = topologyRingOrder(places);
  view.crossings = domainCrossings(view.ring, places);
  for (auto& parents : view.treeParents) parents.assign(places.size(), -1);
  // The trees the tree all-reduce builds: chains in domains under a tree of their heads when
  // there are several domains of several ranks, else the double binary tree over the ring.
  const std::vector<int> domainOf = domainIndices(places);
  if (n >= 2)
    for (int r = 0; r < n; ++r) {
      auto hierarchy = makeHierarchy(view.ring, domainOf, r);
      const bool domains = hierarchy.isOk() && hierarchy->local().size() > 1 && hierarchy->rail().size() > 1;
      const auto nodes = domains ? domainTrees(*hierarchy) : doubleBinaryTree(Ring(view.ring, r));
      for (size_t t = 0; t < 2; ++t) view.treeParents[t][static_cast<size_t>(r)] = nodes[t].parent;
    }
  return view;
}

std::string nicText(const TopoNic& nic) {
  char gbps[32];
  std::snprintf(gbps, sizeof(gbps), "%g", nic.gbps);
  return nic.name + " (" + gbps + " Gbps)";
}

}  // namespace

Expected<TopoView> viewOfFile(const std::string& path) {
  FCCL_ASSIGN_OR_RETURN(TopologyFile file, loadTopologyFile(path));
  TopoView view;
  view.title = file.name.empty() ? path : file.name;
  view.source = path;
  const auto places = placesOf(file, 1);
  for (int r = 0; r < file.ranks(); ++r) {
    const TopoNic* nic = file.nicOf(r);
    view.ranks.push_back({places[static_cast<size_t>(r)], nic ? nicText(*nic) : ""});
  }
  return complete(std::move(view));
}

Expected<TopoView> viewOfThisHost(int nranks) {
  TopoView view;
  view.title = "this host";
  view.source = "detected";
  FCCL_ASSIGN_OR_RETURN(LocalPlace local, localPlace(0, nranks));
  if (local.place.hostName.empty()) local.place.hostName = "this host";
  const HostHardware hw = detectHostHardware();
  view.hardware = hw.describe();
  for (int r = 0; r < nranks; ++r) {
    const std::string nic = hw.nics.empty() ? "" : hw.nics[static_cast<size_t>(r) % hw.nics.size()].name;
    view.ranks.push_back({local.place, nic});
  }
  return complete(std::move(view));
}

}  // namespace fccl::topo
