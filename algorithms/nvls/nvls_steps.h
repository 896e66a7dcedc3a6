// Step makers the multicast (NVLS) plans share. A multicast plan is one channel run step by
// step (Plan::multicast); extraBuffer(0) is the multicast window, the staging area every member
// exposes to the others.
//
// The window's rules, which every plan keeps (each one's opening comment says how):
//  - a call writes into another member's window only after the call's first sync, and reads
//    another member's window only before the call's last sync;
//  - within a call, a member writes into or reads another's window only between two syncs
//    that the owner passes too, on either side of the owner's own staging and copying out.
// So the owner may stage into its window at the start of a call and copy out at its end.
#pragma once

#include <vector>

#include "algorithms/algorithms.h"
#include "algorithms/common/local_plan.h"
#include "algorithms/common/partition.h"

namespace fccl::nvls {

constexpr Buffer kWindow = extraBuffer(0);

inline Slice in(size_t offset, size_t count) { return {Buffer::kInput, offset, count}; }
inline Slice out(size_t offset, size_t count) { return {Buffer::kOutput, offset, count}; }
inline Slice window(size_t offset, size_t count) { return {kWindow, offset, count}; }

inline void sync(std::vector<Step>& steps) { steps.push_back({Prim::kMulticastSync, kNoPeer, kNoPeer, Slice{}, Slice{}}); }
inline void copy(std::vector<Step>& steps, Slice from, Slice to) {
  if (from.count > 0) steps.push_back({Prim::kCopy, kNoPeer, kNoPeer, from, to});
}
inline void reduce(std::vector<Step>& steps, Slice from, Slice to) {
  if (from.count > 0) steps.push_back({Prim::kMulticastReduce, kNoPeer, kNoPeer, from, to});
}
inline void store(std::vector<Step>& steps, Slice from, Slice to) {
  if (from.count > 0) steps.push_back({Prim::kMulticastStore, kNoPeer, kNoPeer, from, to});
}

inline void put(std::vector<Step>& steps, int member, Slice from, Slice to) {
  if (from.count > 0) steps.push_back({Prim::kMulticastPut, member, kNoPeer, from, to});
}

inline Plan multicastPlan(std::string algorithm) {
  Plan plan{std::move(algorithm), std::vector<Channel>(1)};
  plan.multicast = true;
  return plan;
}

inline int selfOf(const PlanRequest& req) { return req.ring.rankAt(req.ring.pos()); }

}  // namespace fccl::nvls
