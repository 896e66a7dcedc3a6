#include "tools/fccl-sim/multicast.h"

#include <mutex>

namespace fccl::sim {

MulticastGroup::MulticastGroup(Platform& platform, int domain)
    : platform_(platform), domain_(domain),
      members_(platform.machine().domainRanks(domain)), figures_(*platform.machine().fabric().nvls) {}

void MulticastGroup::sync(int) {
  std::unique_lock lock(*mutex_);
  const uint64_t mine = generation_;
  if (++arrived_ == static_cast<int>(members_.size())) {
    arrived_ = 0;
    ++generation_;
    releaseAt_ = sg4::Engine::get_clock() + figures_.latencyUs * 1e-6;
    released_->notify_all();
  } else {
    while (generation_ == mine) released_->wait(lock);
  }
  const double release = releaseAt_;
  lock.unlock();
  sg4::this_actor::sleep_until(release);
}

// Host-to-host messages: the members' sides of an operation have no actor of their own. The
// switch's rates are its ports' links (platform.h).
void MulticastGroup::reduce(int rank, uint64_t bytes) {
  using Role = Platform::SwitchRole;
  sg4::Host* sw = platform_.multicastSwitch(domain_, Role::kReduce);
  std::vector<sg4::CommPtr> flows;
  for (int m : members_) {
    flows.push_back(sg4::Comm::sendto_async(platform_.host(m), sw, bytes));
    platform_.carry(platform_.toSwitch(m), static_cast<double>(bytes));
  }
  flows.push_back(sg4::Comm::sendto_async(sw, platform_.host(rank), bytes));
  platform_.carry(platform_.fromSwitch(rank, Role::kReduce), static_cast<double>(bytes));
  sg4::Comm::wait_all(flows);
}

void MulticastGroup::store(int rank, uint64_t bytes) {
  using Role = Platform::SwitchRole;
  sg4::Host* sw = platform_.multicastSwitch(domain_, Role::kMulticast);
  std::vector<sg4::CommPtr> flows{sg4::Comm::sendto_async(platform_.host(rank), sw, bytes)};
  platform_.carry(platform_.toSwitch(rank), static_cast<double>(bytes));
  for (int m : members_) {
    flows.push_back(sg4::Comm::sendto_async(sw, platform_.host(m), bytes));
    platform_.carry(platform_.fromSwitch(m, Role::kMulticast), static_cast<double>(bytes));
  }
  sg4::Comm::wait_all(flows);
}

void MulticastGroup::put(int rank, int member, uint64_t bytes) {
  using Role = Platform::SwitchRole;
  sg4::Host* sw = platform_.multicastSwitch(domain_, Role::kMulticast);
  std::vector<sg4::CommPtr> flows{sg4::Comm::sendto_async(platform_.host(rank), sw, bytes),
                                  sg4::Comm::sendto_async(sw, platform_.host(member), bytes)};
  platform_.carry(platform_.toSwitch(rank), static_cast<double>(bytes));
  platform_.carry(platform_.fromSwitch(member, Role::kMulticast), static_cast<double>(bytes));
  sg4::Comm::wait_all(flows);
}

}  // namespace fccl::sim
