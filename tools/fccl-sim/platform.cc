#include "tools/fccl-sim/platform.h"

#include <algorithm>

namespace fccl::sim {
namespace {

constexpr double kBytesPerGB = 1e9;
constexpr double kSecondsPerUs = 1e-6;
// Hosts carry no computation (device work is priced in time, channel_walk.h): any speed does.
constexpr double kHostSpeed = 1e9;

}  // namespace

Platform::Platform(const Machine& machine, std::string forcedTransport)
    : machine_(machine), forced_(std::move(forcedTransport)) {
  zone_ = sg4::create_full_zone("fabric");
  for (int r = 0; r < machine_.nranks(); ++r) {
    hosts_.push_back(zone_->create_host("rank" + std::to_string(r), kHostSpeed));
    hosts_.back()->seal();
  }
  if (machine_.fabric().kernelGBps > 0) kernel_ = addLink("kernel", LinkKind::kKernel, 0);
  buildScaleUp();
  buildScaleOut();
  buildMulticast();
  zone_->seal();
}

void Platform::buildMulticast() {
  if (!machine_.fabric().nvls || machine_.fabric().scaleUp.shape != ScaleUpShape::kSwitch) return;
  for (int d = 0; d < machine_.domains(); ++d)
    for (const char* role : {"reduce", "multicast"}) {
      nvlsHosts_.push_back(zone_->create_host("domain" + std::to_string(d) + "-nvls-" + role, kHostSpeed));
      nvlsHosts_.back()->seal();
    }
  auto route = [&](sg4::Host* from, sg4::Host* to, std::vector<int> links) {
    std::vector<sg4::LinkInRoute> simLinks;
    for (int l : links) simLinks.emplace_back(links_[static_cast<size_t>(l)].link);
    zone_->add_route(from->get_netpoint(), to->get_netpoint(), nullptr, nullptr, simLinks, false);
    return Route{std::move(links), Fabric::kScaleUp};
  };
  for (int r = 0; r < machine_.nranks(); ++r) {
    const int d = machine_.site(r).domain;
    const std::string rank = "rank " + std::to_string(r);
    const int reducePort = addLink(rank + " nvls reduce port", LinkKind::kReducePort, r);
    const int multicastPort = addLink(rank + " nvls multicast port", LinkKind::kMulticastPort, r);
    const int out = upOut_[static_cast<size_t>(r)], in = upIn_[static_cast<size_t>(r)];
    toSwitch_.push_back(route(host(r), multicastSwitch(d, SwitchRole::kReduce), {out}));
    route(host(r), multicastSwitch(d, SwitchRole::kMulticast), {out});
    fromSwitch_.push_back(route(multicastSwitch(d, SwitchRole::kReduce), host(r), {reducePort, in}));
    fromSwitch_.push_back(route(multicastSwitch(d, SwitchRole::kMulticast), host(r), {multicastPort, in}));
  }
}

Platform::LinkFigures Platform::figuresOf(LinkKind kind, int index) const {
  const FabricFigures& f = machine_.fabric();
  const ScaleOutFigures out = f.scaleOut.value_or(ScaleOutFigures{});
  switch (kind) {
    case LinkKind::kKernel: return {f.kernelGBps, 0};
    // A hop crosses one link out of its rank and one into the other: half its latency on each.
    case LinkKind::kUpOut:
    case LinkKind::kUpIn: return {f.scaleUp.linkGBps, f.scaleUp.latencyUs / 2};
    case LinkKind::kSwitch: return {f.scaleUp.switchGBps, 0};
    case LinkKind::kNeighbour: return {f.scaleUp.linkGBps, f.scaleUp.latencyUs};
    case LinkKind::kNicOut:
    case LinkKind::kNicIn: return {machine_.nics()[static_cast<size_t>(index)].GBps, out.latencyUs / 2};
    case LinkKind::kNicSpineOut:
    case LinkKind::kNicSpineIn: return {machine_.nics()[static_cast<size_t>(index)].GBps, out.spineLatencyUs / 2};
    case LinkKind::kReducePort: return {f.nvls ? f.nvls->reduceGBps : 0, 0};
    case LinkKind::kMulticastPort: return {f.nvls ? f.nvls->multicastGBps : 0, 0};
    case LinkKind::kLeafUp:
    case LinkKind::kLeafDown: {
      double nics = 0;
      for (const Nic& nic : machine_.nics())
        if (nic.leaf == index) nics += nic.GBps;
      return {nics / out.oversubscription, out.spineLatencyUs / 2};
    }
  }
  return {0, 0};
}

void Platform::applyFigures(LinkEntry& entry) {
  const LinkFigures f = figuresOf(entry.kind, entry.index);
  entry.bytesPerSecond = f.GBps * kBytesPerGB;
  entry.link->set_bandwidth(entry.bytesPerSecond);
  entry.link->set_latency(f.latencyUs * kSecondsPerUs);
}

int Platform::addLink(const std::string& name, LinkKind kind, int index) {
  LinkEntry entry{zone_->create_link(name, figuresOf(kind, index).GBps * kBytesPerGB), name, kind, index};
  entry.link->set_sharing_policy(sg4::Link::SharingPolicy::SHARED);
  applyFigures(entry);
  entry.link->seal();
  links_.push_back(std::move(entry));
  return static_cast<int>(links_.size()) - 1;
}

void Platform::buildScaleUp() {
  const ScaleUpFigures& up = machine_.fabric().scaleUp;
  for (int d = 0; d < machine_.domains(); ++d)
    domainSwitch_.push_back(up.switchGBps > 0 && up.shape == ScaleUpShape::kSwitch
                                ? addLink("domain " + std::to_string(d) + " switch", LinkKind::kSwitch, d)
                                : -1);
  for (int r = 0; r < machine_.nranks(); ++r) {
    const std::string rank = "rank " + std::to_string(r);
    if (up.shape == ScaleUpShape::kSwitch) {
      upOut_.push_back(addLink(rank + " scale-up out", LinkKind::kUpOut, r));
      upIn_.push_back(addLink(rank + " scale-up in", LinkKind::kUpIn, r));
      continue;
    }
    for (size_t k = 0; k < up.dims.size(); ++k)
      for (const char* way : {"+", "-"})
        neighbour_.push_back(addLink(rank + " scale-up dim " + std::to_string(k) + way, LinkKind::kNeighbour, r));
  }
}

void Platform::buildScaleOut() {
  if (!machine_.fabric().scaleOut) return;
  for (size_t i = 0; i < machine_.nics().size(); ++i) {
    const std::string& name = machine_.nics()[i].name;
    nicOut_.push_back(addLink(name + " out", LinkKind::kNicOut, static_cast<int>(i)));
    nicIn_.push_back(addLink(name + " in", LinkKind::kNicIn, static_cast<int>(i)));
  }
  if (machine_.leaves() < 2) return;
  if (machine_.fabric().scaleOut->oversubscription <= 1) {
    for (size_t i = 0; i < machine_.nics().size(); ++i) {
      const std::string& name = machine_.nics()[i].name;
      nicSpineOut_.push_back(addLink(name + " to spine", LinkKind::kNicSpineOut, static_cast<int>(i)));
      nicSpineIn_.push_back(addLink(name + " from spine", LinkKind::kNicSpineIn, static_cast<int>(i)));
    }
    return;
  }
  for (int l = 0; l < machine_.leaves(); ++l) {
    leafUp_.push_back(addLink("leaf " + std::to_string(l) + " to spine", LinkKind::kLeafUp, l));
    leafDown_.push_back(addLink("leaf " + std::to_string(l) + " from spine", LinkKind::kLeafDown, l));
  }
}

std::vector<int> Platform::scaleUpPath(int from, int to) const {
  const ScaleUpFigures& up = machine_.fabric().scaleUp;
  const RankSite& a = machine_.site(from);
  if (up.shape == ScaleUpShape::kSwitch) {
    std::vector<int> path{upOut_[static_cast<size_t>(from)]};
    if (domainSwitch_[static_cast<size_t>(a.domain)] >= 0) path.push_back(domainSwitch_[static_cast<size_t>(a.domain)]);
    path.push_back(upIn_[static_cast<size_t>(to)]);
    return path;
  }
  // Dimension-ordered: correct dimension 0 first, each the shorter way round (ties go up).
  const std::vector<int>& members = machine_.domainRanks(a.domain);
  const size_t dims = up.dims.size();
  std::vector<int> at(dims), goal(dims);
  for (int i = a.localIndex, j = machine_.site(to).localIndex, k = 0; k < static_cast<int>(dims); ++k) {
    at[static_cast<size_t>(k)] = i % up.dims[static_cast<size_t>(k)];
    goal[static_cast<size_t>(k)] = j % up.dims[static_cast<size_t>(k)];
    i /= up.dims[static_cast<size_t>(k)];
    j /= up.dims[static_cast<size_t>(k)];
  }
  auto localOf = [&](const std::vector<int>& coords) {
    int index = 0;
    for (size_t k = dims; k-- > 0;) index = index * up.dims[k] + coords[k];
    return index;
  };
  std::vector<int> path;
  for (size_t k = 0; k < dims; ++k) {
    const int n = up.dims[k], ahead = ((goal[k] - at[k]) % n + n) % n;
    const bool plus = ahead <= n - ahead;
    for (int steps = plus ? ahead : n - ahead; steps > 0; --steps) {
      const int rank = members[static_cast<size_t>(localOf(at))];
      path.push_back(neighbour_[(static_cast<size_t>(rank) * dims + k) * 2 + (plus ? 0 : 1)]);
      at[k] = ((at[k] + (plus ? 1 : -1)) % n + n) % n;
    }
  }
  return path;
}

std::vector<int> Platform::scaleOutPath(int from, int to) const {
  const Nic& a = machine_.nics()[static_cast<size_t>(machine_.site(from).nic)];
  const Nic& b = machine_.nics()[static_cast<size_t>(machine_.site(to).nic)];
  std::vector<int> path{nicOut_[static_cast<size_t>(machine_.site(from).nic)]};
  if (a.leaf != b.leaf) {
    const bool shared = !leafUp_.empty();
    path.push_back(shared ? leafUp_[static_cast<size_t>(a.leaf)] : nicSpineOut_[static_cast<size_t>(machine_.site(from).nic)]);
    path.push_back(shared ? leafDown_[static_cast<size_t>(b.leaf)] : nicSpineIn_[static_cast<size_t>(machine_.site(to).nic)]);
  }
  path.push_back(nicIn_[static_cast<size_t>(machine_.site(to).nic)]);
  return path;
}

const Route& Platform::route(int from, int to) {
  const uint64_t key = static_cast<uint64_t>(from) * static_cast<uint64_t>(machine_.nranks()) + static_cast<uint64_t>(to);
  auto it = routes_.find(key);
  if (it != routes_.end()) return it->second;
  Route route;
  route.fabric = machine_.fabricOf(from, to, forced_);
  route.links = route.fabric == Fabric::kScaleUp ? scaleUpPath(from, to) : scaleOutPath(from, to);
  if (kernel_ >= 0) route.links.push_back(kernel_);
  std::vector<sg4::LinkInRoute> simLinks;
  for (int l : route.links) simLinks.emplace_back(links_[static_cast<size_t>(l)].link);
  // SimGrid's full zone takes routes after sealing (its table exists; nothing has used this pair
  // yet). Routes are made between calls, from the maestro (fifo.h).
  zone_->add_route(host(from)->get_netpoint(), host(to)->get_netpoint(), nullptr, nullptr, simLinks, false);
  return routes_.emplace(key, std::move(route)).first->second;
}

void Platform::resetCounts() {
  for (LinkEntry& l : links_) l.bytes = 0;
}

BusiestLink Platform::busiest(double seconds) const {
  BusiestLink best;
  if (seconds <= 0) return best;
  for (const LinkEntry& l : links_) {
    const double use = l.bytes / (l.bytesPerSecond * seconds);
    if (use > best.utilisation) best = {l.name, use};
  }
  return best;
}

}  // namespace fccl::sim
