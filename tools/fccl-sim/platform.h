// The machine as a SimGrid platform: one host per rank (where its channels' actors run) and the
// links of the fabrics, each with its rate and latency, shared between the flows that cross it by
// SimGrid's flow model (CM02: max-min fairness, no TCP window). Which links a message crosses is this file's business:
//  - scale-up "switch": the sender's link into the domain's switches, the domain's switch
//    capacity when it is limited, the receiver's link out of them;
//  - scale-up "ring"/"torus": the neighbour links of a dimension-ordered path (shorter way round);
//  - scale-out: the sender's NIC, its leaf switch's uplink to the spine and the receiver leaf's
//    downlink when the leaves differ (ECMP over the spine taken as perfect spreading, as EFA's
//    multipath does), the receiver's NIC. A leaf that is not oversubscribed can never be what
//    limits a flow (its uplink carries what its NICs send, at most their sum), so it is not a
//    shared link then: the spine's latency rides on a link of the NIC's own. A shared link that
//    thousands of flows cross makes every flow event re-solve them all (SimGrid's max-min), so
//    this keeps a job of thousands of ranks affordable;
//  - every message between ranks of one kernel also crosses the kernel's link when it is limited.
// Which fabric a hop uses is the library's choice (Machine::fabricOf). Routes are made the first
// time a pair talks, so a job pays for the pairs its plans use, not for n^2.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <simgrid/s4u.hpp>

#include "tools/fccl-sim/machine.h"

namespace fccl::sim {

namespace sg4 = simgrid::s4u;

struct Route {
  std::vector<int> links;  // indices into Platform's link table
  Fabric fabric = Fabric::kScaleUp;
};

struct BusiestLink {
  std::string name;
  double utilisation = 0;  // bytes carried over what the link could carry in the time given
};

class Platform {
 public:
  // Builds the platform into the process's engine (simulation.h makes it; one per process).
  // `forcedTransport` is FCCL_TRANSPORT's value.
  Platform(const Machine& machine, std::string forcedTransport);
  Platform(const Platform&) = delete;
  Platform& operator=(const Platform&) = delete;

  const Machine& machine() const { return machine_; }
  sg4::Host* host(int rank) const { return hosts_[static_cast<size_t>(rank)]; }
  // The route from `from` to `to`, made and given to SimGrid on first use.
  const Route& route(int from, int to);
  // Counts `bytes` on every link of `route`, for the busiest-link report.
  void carry(const Route& route, double bytes) {
    for (int l : route.links) links_[static_cast<size_t>(l)].bytes += bytes;
  }
  void resetCounts();
  BusiestLink busiest(double seconds) const;

  // NVLS: the hosts that stand for domain `d`'s switches when they reduce (ld_reduce) and when
  // they multicast (the fabric has "nvls" figures and a switch shape; else nullptr). A member
  // reaches either over its own scale-up link out; the switches reach a member through a port
  // of the reduction's or the multicast's rate, then the member's link in.
  enum class SwitchRole { kReduce, kMulticast };
  sg4::Host* multicastSwitch(int domain, SwitchRole role) const {
    if (nvlsHosts_.empty()) return nullptr;
    return nvlsHosts_[2 * static_cast<size_t>(domain) + (role == SwitchRole::kReduce ? 0 : 1)];
  }
  const Route& toSwitch(int rank) const { return toSwitch_[static_cast<size_t>(rank)]; }
  const Route& fromSwitch(int rank, SwitchRole role) const {
    return fromSwitch_[2 * static_cast<size_t>(rank) + (role == SwitchRole::kReduce ? 0 : 1)];
  }

 private:
  enum class LinkKind {
    kKernel, kUpOut, kUpIn, kSwitch, kNeighbour, kNicOut, kNicIn, kNicSpineOut, kNicSpineIn, kLeafUp, kLeafDown,
    kReducePort, kMulticastPort
  };
  struct LinkEntry {
    sg4::Link* link;
    std::string name;
    LinkKind kind;
    int index;  // the rank, domain, NIC or leaf it belongs to
    double bytesPerSecond = 0;
    double bytes = 0;
  };
  struct LinkFigures {
    double GBps;
    double latencyUs;
  };
  LinkFigures figuresOf(LinkKind kind, int index) const;
  int addLink(const std::string& name, LinkKind kind, int index);
  void applyFigures(LinkEntry& entry);
  void buildScaleUp();
  void buildScaleOut();
  void buildMulticast();
  std::vector<int> scaleUpPath(int from, int to) const;
  std::vector<int> scaleOutPath(int from, int to) const;

  const Machine& machine_;
  const std::string forced_;
  sg4::NetZone* zone_ = nullptr;
  std::vector<sg4::Host*> hosts_;
  std::vector<LinkEntry> links_;
  // Scale-up: per rank its links out and in (switch) or per rank, dimension and direction its
  // neighbour link (ring, torus); per domain its switch capacity (-1: none).
  std::vector<int> upOut_, upIn_, neighbour_, domainSwitch_;
  // Scale-out: per NIC its links out and in (and to and from the spine when the leaves are not
  // oversubscribed); per leaf its links to and from the spine (when they are).
  std::vector<int> nicOut_, nicIn_, nicSpineOut_, nicSpineIn_, leafUp_, leafDown_;
  int kernel_ = -1;
  std::vector<sg4::Host*> nvlsHosts_;     // per domain: reduce, multicast
  std::vector<Route> toSwitch_, fromSwitch_;  // per rank; from: reduce, multicast
  std::unordered_map<uint64_t, Route> routes_;  // key from * nranks + to
};

}  // namespace fccl::sim
