#include "tools/fccl-sim/machine.h"

#include <algorithm>
#include <map>

#include "topology/topology_ring.h"

namespace fccl::sim {
namespace {

Status fileError(const TopologyFile& file, const std::string& what) {
  return Status(Code::kInvalidArgument, "topology file " + file.source + ": " + what);
}

int product(const std::vector<int>& dims) {
  int p = 1;
  for (int d : dims) p *= d;
  return p;
}

}  // namespace

Expected<Machine> Machine::make(const TopologyFile& file, int nranks) {
  if (!file.fabric) return fileError(file, "fabric: missing: fccl-sim needs the link figures (topology/fabric_figures.h)");
  if (nranks < 1 || nranks > file.ranks())
    return fileError(file, "describes " + std::to_string(file.ranks()) + " ranks, the job has " + std::to_string(nranks));
  Machine m;
  m.fabric_ = *file.fabric;
  m.source_ = file.source;
  m.places_ = placesOf(file, 1);
  m.places_.resize(static_cast<size_t>(nranks));
  m.ringOrder_ = topologyRingOrder(m.places_);
  m.domainIndex_ = domainIndices(m.places_);
  m.hierarchy_ = makeHierarchy(m.ringOrder_, m.domainIndex_, 0).isOk();

  std::map<std::string, int> domainIds;
  for (int r = 0; r < nranks; ++r) {
    auto [it, added] = domainIds.try_emplace(m.places_[static_cast<size_t>(r)].domainName, m.domains_);
    if (added) {
      ++m.domains_;
      m.domainRanks_.emplace_back();
    }
    auto& members = m.domainRanks_[static_cast<size_t>(it->second)];
    m.sites_.push_back(RankSite{it->second, static_cast<int>(members.size()), -1});
    members.push_back(r);
  }
  const ScaleUpFigures& up = m.fabric_.scaleUp;
  if (up.shape != ScaleUpShape::kSwitch)
    for (const auto& members : m.domainRanks_)
      if (static_cast<int>(members.size()) != product(up.dims))
        return fileError(file, "fabric.scaleup.dims: a domain of " + std::to_string(members.size()) +
                                   " ranks in this job does not fill the " + std::to_string(product(up.dims)) +
                                   " places of its " + (up.shape == ScaleUpShape::kRing ? "ring" : "torus"));

  // NICs host by host: rail = index among its domain's NICs, leaf = (rail, group of leaf_ports).
  const double nicOverride = m.fabric_.scaleOut ? m.fabric_.scaleOut->nicGBps : 0;
  const int leafPorts = m.fabric_.scaleOut ? m.fabric_.scaleOut->leafPorts : 0;
  std::vector<int> nicsInDomain(static_cast<size_t>(m.domains_), 0);
  std::map<std::pair<int, int>, int> leafIds, railFill;  // (rail, group) -> leaf; rail -> NICs so far
  int rank = 0;
  for (const TopoHost& host : file.hosts) {
    if (rank >= nranks) break;
    const int domain = m.sites_[static_cast<size_t>(rank)].domain;
    std::vector<TopoNic> nics = host.nics;
    if (nics.empty() && nicOverride > 0) nics.push_back({"nic", nicOverride * 8});
    const size_t first = m.nics_.size();
    for (const TopoNic& n : nics) {
      Nic nic{host.name + "/" + n.name, nicOverride > 0 ? nicOverride : n.gbps / 8, nicsInDomain[static_cast<size_t>(domain)]++, 0};
      const int ordinal = railFill[{nic.rail, 0}]++;
      const int group = leafPorts > 0 ? ordinal / leafPorts : 0;
      nic.leaf = leafIds.try_emplace({nic.rail, group}, static_cast<int>(leafIds.size())).first->second;
      m.nics_.push_back(nic);
    }
    for (int i = 0; i < host.ranks && rank < nranks; ++i, ++rank)
      if (!nics.empty()) m.sites_[static_cast<size_t>(rank)].nic = static_cast<int>(first + static_cast<size_t>(i) % nics.size());
  }
  m.leaves_ = static_cast<int>(leafIds.size());
  if (m.domains_ > 1)
    for (int r = 0; r < nranks; ++r)
      if (m.sites_[static_cast<size_t>(r)].nic < 0)
        return fileError(file, "rank " + std::to_string(r) + "'s host " + m.places_[static_cast<size_t>(r)].hostName +
                                   " lists no NIC and fabric.scaleout.nic_GBps is not set");
  return m;
}

Fabric Machine::fabricOf(int from, int to, const std::string& forced) const {
  auto hop = chooseHop(places_[static_cast<size_t>(from)], places_[static_cast<size_t>(to)], to, forced);
  return hop.isOk() ? hop->fabric : Fabric::kScaleOut;
}

Expected<Hierarchy> Machine::hierarchyOf(int rank) const { return makeHierarchy(ringOrder_, domainIndex_, rank); }

TopoShape Machine::shape(bool forcedScaleOut, int maxChannels) const {
  std::vector<ShapePlace> shapePlaces;
  for (const RankPlace& p : places_) shapePlaces.push_back({p.domain, p.kernel});
  // The switch can reduce and multicast where the fabric gives NVLS figures.
  return shapeOf(shapePlaces, ringOrder_, hierarchy_, forcedScaleOut, maxChannels, fabric_.nvls.has_value());
}

CostParams Machine::costParams() const {
  CostParams p = CostParams::defaults();
  const ScaleUpFigures& up = fabric_.scaleUp;
  // LL carries 8 bytes of data in each 16-byte line; the platform has one latency per hop, so
  // LL is priced at the same latency and half the rate (see README: LL's latency is not modelled).
  p.scaleUp[static_cast<int>(Proto::kSimple)] = {up.latencyUs, up.linkGBps};
  p.scaleUp[static_cast<int>(Proto::kLL)] = {up.latencyUs, up.linkGBps / 2};
  p.channelGbpsUp = up.channelGBps > 0 ? up.channelGBps : up.linkGBps;
  if (fabric_.scaleOut) {
    const double nic = nics_.empty() ? fabric_.scaleOut->nicGBps : nics_.front().GBps;
    if (nic > 0) {
      p.scaleOut = {fabric_.scaleOut->latencyUs, nic};
      p.channelGbpsOut = fabric_.scaleOut->channelGBps > 0 ? fabric_.scaleOut->channelGBps : nic;
    }
  }
  p.reduceGbps = fabric_.device.reduceGBps;
  p.copyGbps = fabric_.device.copyGBps;
  if (fabric_.nvls) p.multicast = {fabric_.nvls->latencyUs, std::min(fabric_.nvls->reduceGBps, fabric_.nvls->multicastGBps)};
  p.source = "topology file " + source_;
  return p;
}

}  // namespace fccl::sim
