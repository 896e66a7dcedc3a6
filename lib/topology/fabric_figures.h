// Link figures of a topology file: its optional "fabric" section, which fccl-sim builds a
// simulated platform from (the library itself only needs who sits where, so it checks the section
// and otherwise leaves it alone). Rates are GB/s (1e9 bytes per second), latencies microseconds:
//
//   "fabric": {
//     "scaleup": {                    required
//       "shape": "switch",            "switch" (default): each rank has one link into the domain's
//                                     switches; "ring" or "torus": links between neighbours only,
//                                     "dims" ranks along each dimension (their product: a domain)
//       "dims": [4, 4],
//       "link_GBps": 900,             required: a rank's link (switch) or a neighbour link, each way
//       "latency_us": 0.7,            required: one hop, end to end
//       "channel_GBps": 450,          optional: the most one channel moves (default: the link)
//       "switch_GBps": 64800          optional: what a domain's switches carry in all (default: no limit)
//     },
//     "nvls": { "reduce_GBps": 450, "multicast_GBps": 450, "latency_us": 2 },   optional: switch-side
//                                     reduction and multicast (ld_reduce, multicast store, barrier)
//     "device": { "reduce_GBps": 3000, "copy_GBps": 3000 },                     required
//     "scaleout": {                   required when the file has more than one domain
//       "latency_us": 12,             required: NIC to NIC through one leaf switch
//       "spine_latency_us": 1,        optional: added when a message crosses the spine (default 0)
//       "nic_GBps": 50,               optional: a NIC's rate, each way (default: the hosts' NICs'
//                                     "gbps", which are line rates in Gbit/s)
//       "channel_GBps": 50,           optional: the most one channel moves (default: the NIC)
//       "leaf_ports": 64,             optional: NICs one leaf switch serves (default: every domain)
//       "oversubscription": 1         optional: a leaf's NIC capacity over its spine capacity (default 1)
//     },
//     "kernel_GBps": 6,               optional: what all ranks of one kernel move together (ranks
//                                     that are processes of one machine share its CPUs and memory)
//     "sources": { "scaleup.link_GBps": "where the figure comes from", ... }   optional, free text
//   }
//
// The scale-out fabric is rail-optimised and two-tier: NIC k of every domain (counting the NICs
// of a domain's hosts in order) is on rail k; a rail's NICs fill leaf switches of `leaf_ports`,
// and every leaf reaches every other through the spine.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/expected.h"
#include "topology/json_fields.h"

namespace fccl {

enum class ScaleUpShape { kSwitch, kRing, kTorus };

struct ScaleUpFigures {
  ScaleUpShape shape = ScaleUpShape::kSwitch;
  std::vector<int> dims;  // ring and torus
  double linkGBps = 0;
  double latencyUs = 0;
  double channelGBps = 0;  // 0: the link's
  double switchGBps = 0;   // 0: no limit
};

struct NvlsFigures {
  double reduceGBps = 0;
  double multicastGBps = 0;
  double latencyUs = 0;
};

struct DeviceFigures {
  double reduceGBps = 0;
  double copyGBps = 0;
};

struct ScaleOutFigures {
  double latencyUs = 0;
  double spineLatencyUs = 0;
  double nicGBps = 0;      // 0: the hosts' NICs
  double channelGBps = 0;  // 0: the NIC's
  int leafPorts = 0;       // 0: one leaf per rail
  double oversubscription = 1;
};

struct FabricFigures {
  ScaleUpFigures scaleUp;
  std::optional<NvlsFigures> nvls;
  DeviceFigures device;
  std::optional<ScaleOutFigures> scaleOut;
  double kernelGBps = 0;  // 0: no limit
  std::map<std::string, std::string> sources;
};

Expected<FabricFigures> parseFabric(const Json& fabric, const JsonSource& src);
// The section's JSON, as parseFabric reads it (what fccl-sim calibrate writes).
Json fabricJson(const FabricFigures& figures);

}  // namespace fccl
