// The machine a simulated job runs on: the first `nranks` ranks of a topology file with link
// figures, seen as the library sees them (places, ring order, domains, per-hop fabric) and as the
// platform needs them (each rank's NIC, its rail and leaf switch). Pure data, no SimGrid, so the
// tuner's inputs can be checked without simulating anything.
#pragma once

#include <string>
#include <vector>

#include "algorithms/hier/hierarchy.h"
#include "common/expected.h"
#include "topology/hop_choice.h"
#include "topology/rank_place.h"
#include "topology/topology_file.h"
#include "tuner/cost_params.h"
#include "tuner/topo_shape.h"

namespace fccl::sim {

// A NIC of the scale-out fabric: rail k of a domain is its k-th NIC (its hosts' NICs in order);
// a rail's NICs fill leaf switches of `leaf_ports` in domain order.
struct Nic {
  std::string name;  // host/nic
  double GBps = 0;
  int rail = 0;
  int leaf = 0;
};

struct RankSite {
  int domain = 0;      // index of its domain, in order of first appearance
  int localIndex = 0;  // position among its domain's ranks, in rank order
  int nic = -1;        // index into nics(), -1 when its host has none
};

class Machine {
 public:
  // Fails, naming the file, when it has fewer than `nranks` ranks, no "fabric" section, domains
  // whose rank count does not fit a ring or torus shape, or a NIC rate for no NIC at all.
  static Expected<Machine> make(const TopologyFile& file, int nranks);

  int nranks() const { return static_cast<int>(places_.size()); }
  int domains() const { return domains_; }
  const FabricFigures& fabric() const { return fabric_; }
  const std::string& source() const { return source_; }
  const std::vector<RankPlace>& places() const { return places_; }
  const std::vector<int>& ringOrder() const { return ringOrder_; }
  const RankSite& site(int rank) const { return sites_[static_cast<size_t>(rank)]; }
  const std::vector<Nic>& nics() const { return nics_; }
  int leaves() const { return leaves_; }
  // Ranks of domain d, in rank order.
  const std::vector<int>& domainRanks(int d) const { return domainRanks_[static_cast<size_t>(d)]; }

  // The library's per-hop choice (topology/hop_choice.h); `forced` is FCCL_TRANSPORT.
  Fabric fabricOf(int from, int to, const std::string& forced) const;
  // The hierarchical rings of `rank`, when the domains are even (else the reason they are not).
  Expected<Hierarchy> hierarchyOf(int rank) const;
  bool hasHierarchy() const { return hierarchy_; }
  TopoShape shape(bool forcedScaleOut, int maxChannels) const;
  // The tuner's figures for this machine: what calibration would write for it.
  CostParams costParams() const;

 private:
  FabricFigures fabric_;
  std::string source_;
  std::vector<RankPlace> places_;
  std::vector<int> ringOrder_, domainIndex_;
  std::vector<RankSite> sites_;
  std::vector<std::vector<int>> domainRanks_;
  std::vector<Nic> nics_;
  int domains_ = 0;
  int leaves_ = 0;
  bool hierarchy_ = false;
};

}  // namespace fccl::sim
