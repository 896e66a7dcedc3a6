#include "transports/scaleup/multicast_object.h"

#include <unistd.h>

#include <random>
#include <string>

namespace fccl {
namespace {

size_t segmentBytes(size_t windowBytes, size_t oneShotBytes) {
  return sizeof(MulticastControl) + windowBytes + 2 * oneShotBytes;
}

}  // namespace

MulticastObject::MulticastObject(int self, int members, size_t windowBytes, size_t oneShotBytes, SharedMapping own)
    : self_(self), members_(members), windowBytes_(windowBytes), oneShotBytes_(oneShotBytes),
      segments_(static_cast<size_t>(members)), watches_(static_cast<size_t>(members)) {
  segments_[static_cast<size_t>(self)] = std::move(own);
}

Expected<std::unique_ptr<MulticastObject>> MulticastObject::create(int self, int members, size_t windowBytes,
                                                                   size_t oneShotBytes) {
  if (members < 1 || self < 0 || self >= members || windowBytes % 64 || oneShotBytes % 64)
    return Status(Code::kInternal, "multicast object: member " + std::to_string(self) + " of " + std::to_string(members));
  FCCL_ASSIGN_OR_RETURN(SharedMapping own, SharedMapping::create(segmentBytes(windowBytes, oneShotBytes), "fccl-nvls"));
  auto* c = new (own.data()) MulticastControl{};
  c->magic = kMulticastMagic;
  c->version = kMulticastVersion;
  c->members = static_cast<uint32_t>(members);
  c->windowBytes = windowBytes;
  c->oneShotBytes = oneShotBytes;
  std::random_device rd;
  c->token = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  return std::unique_ptr<MulticastObject>(new MulticastObject(self, members, windowBytes, oneShotBytes, std::move(own)));
}

MulticastHandle MulticastObject::handle() const {
  const SharedMapping& own = segments_[static_cast<size_t>(self_)];
  return {kMulticastMagic, static_cast<int32_t>(getpid()), own.fd(), own.size(), control(self_)->token};
}

Status MulticastObject::attach(std::span<const MulticastHandle> handles, std::span<const int> pids) {
  if (handles.size() != static_cast<size_t>(members_) || pids.size() != handles.size())
    return Status(Code::kInternal, "multicast object: " + std::to_string(handles.size()) + " handles for " +
                                       std::to_string(members_) + " members");
  const size_t expected = segmentBytes(windowBytes_, oneShotBytes_);
  for (int m = 0; m < members_; ++m) {
    if (m == self_) continue;
    const MulticastHandle& h = handles[static_cast<size_t>(m)];
    const std::string who = "multicast segment of rank " + std::to_string(m);
    if (h.magic != kMulticastMagic || h.pid != pids[static_cast<size_t>(m)] || h.fd < 0 || h.segmentBytes != expected)
      return Status(Code::kRemote, who + ": its handle does not describe the segment this rank expects");
    FCCL_ASSIGN_OR_RETURN(SharedMapping segment, SharedMapping::open(h.pid, h.fd, h.segmentBytes));
    const auto* c = static_cast<const MulticastControl*>(segment.data());
    if (c->magic != kMulticastMagic || c->version != kMulticastVersion || c->token != h.token ||
        c->members != static_cast<uint32_t>(members_) || c->windowBytes != windowBytes_ || c->oneShotBytes != oneShotBytes_)
      return Status(Code::kRemote, who + " does not match its handle");
    segments_[static_cast<size_t>(m)] = std::move(segment);
    watches_[static_cast<size_t>(m)] = PeerWatch(m, h.pid);
  }
  return Status::ok();
}

std::byte* MulticastObject::segment(int member) const {
  return static_cast<std::byte*>(segments_[static_cast<size_t>(member)].data());
}

MulticastControl* MulticastObject::control(int member) const { return reinterpret_cast<MulticastControl*>(segment(member)); }

std::span<std::byte> MulticastObject::window(int member) const {
  return {segment(member) + sizeof(MulticastControl), windowBytes_};
}

std::span<std::byte> MulticastObject::oneShot(int member, int half) const {
  return {segment(member) + sizeof(MulticastControl) + windowBytes_ + static_cast<size_t>(half & 1) * oneShotBytes_,
          oneShotBytes_};
}

void MulticastObject::offer(MulticastOffer offer) {
  offer.sync = syncs_ + 1;
  control(self_)->offers[offer.sync % 2] = offer;  // published by arrive()'s release store
}

Expected<MulticastOffer> MulticastObject::offerOf(int member) const {
  const MulticastOffer o = control(member)->offers[syncs_ % 2];
  if (o.sync != syncs_)
    return Status(Code::kRemote, "rank " + std::to_string(member) + " made no buffer offer for multicast sync " +
                                     std::to_string(syncs_));
  return o;
}

void MulticastObject::setCall(uint64_t digest, std::string description) {
  call_ = digest;
  callText_ = std::move(description);
}

void MulticastObject::arrive() {
  ++syncs_;
  firstWaiting_ = 0;
  control(self_)->calls[syncs_ % 2] = call_;  // published by the release store below
  control(self_)->arrived.store(syncs_, std::memory_order_release);
}

Expected<bool> MulticastObject::allArrived() {
  for (; firstWaiting_ < members_; ++firstWaiting_) {
    const uint64_t seen = control(firstWaiting_)->arrived.load(std::memory_order_acquire);
    // The member's counter is its own to write: it may be one sync ahead of ours, never more.
    if (seen > syncs_ + 1)
      return Status(Code::kRemote, "rank " + std::to_string(firstWaiting_) + "'s multicast sync counter is " +
                                       std::to_string(seen) + " while this rank is at " + std::to_string(syncs_));
    if (seen < syncs_) return false;
    // Its digest for this sync stays until it arrives at the one after the next, which needs us.
    if (control(firstWaiting_)->calls[syncs_ % 2] != call_)
      return Status(Code::kInvalidUsage, "rank " + std::to_string(firstWaiting_) + " is in another call than this rank's " +
                                             callText_ + " on the multicast object: do all ranks make the same calls?");
  }
  return true;
}

Status MulticastObject::health() const {
  for (int m = 0; m < members_; ++m) {
    if (m == self_) continue;
    // A member that arrived at this sync and then finished (exited, even) left what this rank
    // needs from it in its segment, which stays mapped here: only a missing member fails.
    if (control(m)->arrived.load(std::memory_order_acquire) >= syncs_) continue;
    FCCL_TRY(watches_[static_cast<size_t>(m)].check());
  }
  return Status::ok();
}

}  // namespace fccl
