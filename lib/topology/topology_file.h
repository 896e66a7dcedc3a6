// Topology files (FCCL_TOPO_FILE): the machine as JSON, for layouts this machine cannot show
// by itself (a rack-wide scale-up domain, two racks joined by scale-out) and for fccl-topo.
//
//   {
//     "name": "2 racks of 18 hosts x 4",              optional
//     "hosts": [                                      required, in rank order
//       { "name": "node",                             required; "node0".."node17" with count
//         "count": 18,                                optional, default 1: that many alike hosts
//         "ranks": 4,                                 required: ranks (devices) on each host
//         "domain": "rack0",                          optional, default the host's name
//         "nics": [ { "name": "efa0", "gbps": 400 } ] optional
//       }, ...
//     ],
//     "fabric": { ... }                               optional: link figures (fabric_figures.h)
//   }
//
// Ranks fill the hosts in order: the first host's ranks are 0..ranks-1, and so on, as a
// launcher with a fixed number of ranks per host places them. A rank uses NIC (local index mod
// NIC count) of its host: one rail per NIC. A NIC's "gbps" is its line rate in Gbit/s. Every
// error names the file, the line and the field (hosts[2].ranks) it is about.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"
#include "topology/fabric_figures.h"
#include "topology/rank_place.h"

namespace fccl {

struct TopoNic {
  std::string name;
  double gbps = 0;
};

struct TopoHost {
  std::string name;
  int ranks = 0;
  std::string domain;
  std::vector<TopoNic> nics;
};

struct TopologyFile {
  std::string name;
  std::string source;           // the path, or "<text>"
  std::vector<TopoHost> hosts;  // "count" expanded
  std::optional<FabricFigures> fabric;
  int ranks() const;
  // The host of `rank` and its index on it; rank must be below ranks().
  const TopoHost& hostOf(int rank, int* localIndex = nullptr) const;
  // The NIC `rank` uses, nullptr when its host lists none.
  const TopoNic* nicOf(int rank) const;
};

Expected<TopologyFile> parseTopology(std::string_view text, const std::string& source);
Expected<TopologyFile> loadTopologyFile(const std::string& path);

// Every rank's place as the file describes it; `kernel` is the kernel identity to give each
// (one value: the file's domains are what the scale-up fabric joins).
std::vector<RankPlace> placesOf(const TopologyFile& file, uint64_t kernel);

}  // namespace fccl
