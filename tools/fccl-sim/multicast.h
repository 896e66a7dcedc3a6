// NVLS, the scale-up switches' multicast object, priced by the semantics the plan primitives
// give it (algorithms/common/plan.h: kMulticastSync, kMulticastReduce, kMulticastStore; the
// group is every rank of the domain):
//  - sync: every member arrives; all leave once the last has arrived and the switch's barrier
//    latency has passed (the k-th sync of every member matches);
//  - reduce (the switch's ld_reduce): every member's link carries the slice into the switch,
//    which reduces it at its per-port rate and streams the result back over the requester's link;
//  - store: the requester's link carries the slice in, the switch replicates it out over every
//    member's link at its multicast rate;
//  - put (kMulticastPut, a store to one member): in over the requester's link, out over that
//    member's.
// The flows of one operation run together (the switch streams, it does not store and forward),
// so an operation costs the latency plus the slice at the slowest rate on its way; flows of
// concurrent operations share the members' links with each other and with FIFO traffic.
#pragma once

#include <cstdint>
#include <vector>

#include <simgrid/s4u.hpp>

#include "tools/fccl-sim/platform.h"

namespace fccl::sim {

class MulticastGroup {
 public:
  // The group of `domain`, whose switch the platform has (Platform::multicastSwitch).
  MulticastGroup(Platform& platform, int domain);
  MulticastGroup(const MulticastGroup&) = delete;
  MulticastGroup& operator=(const MulticastGroup&) = delete;

  // Called by member `rank`'s actor; each returns when the operation is done for it.
  void sync(int rank);
  void reduce(int rank, uint64_t bytes);
  void store(int rank, uint64_t bytes);
  void put(int rank, int member, uint64_t bytes);

 private:
  Platform& platform_;
  const int domain_;
  const std::vector<int>& members_;
  const NvlsFigures figures_;
  // Barrier generations: arrived_[k % 2] counts arrivals at sync k; the last arrival releases.
  uint64_t generation_ = 0;
  int arrived_ = 0;
  double releaseAt_ = 0;
  sg4::MutexPtr mutex_ = sg4::Mutex::create();
  sg4::ConditionVariablePtr released_ = sg4::ConditionVariable::create();
};

}  // namespace fccl::sim
