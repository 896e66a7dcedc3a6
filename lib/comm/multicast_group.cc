#include "comm/multicast_group.h"

#include <sys/stat.h>

#include <algorithm>
#include <string>

#include "common/log.h"
#include "device/host_memory.h"

namespace fccl {
namespace {

// Peer allocations kept mapped per member, the most recently used: an application reuses a few
// buffers; one that cycles through many pays a mapping per call, and a freed allocation that a
// mapping keeps alive is dropped within a few calls instead of holding its memory.
constexpr size_t kMappedPerMember = 8;

}  // namespace

MulticastGroup::MulticastGroup(std::unique_ptr<MulticastObject> object, std::vector<int> pids)
    : object_(std::move(object)), pids_(std::move(pids)), inputs_(pids_.size()), outputs_(pids_.size()),
      offers_(pids_.size()), recentlyMapped_(pids_.size()) {}

Expected<std::unique_ptr<MulticastGroup>> MulticastGroup::create(Bootstrap& bootstrap, int rank, std::span<const int> pids,
                                                                 size_t windowBytes, size_t oneShotBytes) {
  const int members = static_cast<int>(pids.size());
  if (members > kMaxMulticastMembers)
    return Status(Code::kInvalidUsage, "a multicast object holds at most " + std::to_string(kMaxMulticastMembers) +
                                           " ranks, this communicator has " + std::to_string(members));
  FCCL_ASSIGN_OR_RETURN(auto object, MulticastObject::create(rank, members, windowBytes, oneShotBytes));
  std::vector<MulticastHandle> handles(static_cast<size_t>(members));
  handles[static_cast<size_t>(rank)] = object->handle();
  FCCL_TRY(bootstrap.allGather(std::as_writable_bytes(std::span(handles)), sizeof(MulticastHandle))
               .context("exchanging multicast segments"));
  FCCL_TRY(object->attach(handles, pids));
  FCCL_INFO(Subsys::kShm, "multicast object of %d ranks: %zu-byte window and 2 x %zu-byte one-shot area per rank",
            members, windowBytes, oneShotBytes);
  return std::unique_ptr<MulticastGroup>(new MulticastGroup(std::move(object), std::vector<int>(pids.begin(), pids.end())));
}

BufferOffer MulticastGroup::offerOf(const void* buffer, size_t bytes) const {
  BufferOffer offer;
  offer.bytes = bytes;
  auto where = findPeerMapping(buffer);
  struct stat st {};
  if (!where || where->bytes < bytes || fstat(where->fd, &st) != 0) return offer;
  offer.fd = where->fd;
  offer.mappable = 1;
  offer.inode = static_cast<uint64_t>(st.st_ino);
  offer.offset = where->offset;
  offer.allocBytes = where->offset + where->bytes;
  return offer;
}

Expected<std::span<std::byte>> MulticastGroup::map(int member, const BufferOffer& offer, size_t bytes) {
  const std::string who = "rank " + std::to_string(member);
  if (offer.bytes != bytes)
    return Status(Code::kInvalidUsage, who + " offers a buffer of " + std::to_string(offer.bytes) + " bytes for a call of " +
                                           std::to_string(bytes) + ": do all ranks make the same call?");
  if (offer.offset > offer.allocBytes || offer.allocBytes - offer.offset < bytes)
    return Status(Code::kRemote, who + " offers a buffer outside its allocation");
  const auto key = std::make_tuple(member, offer.fd, offer.inode);
  auto& recent = recentlyMapped_[static_cast<size_t>(member)];
  auto found = mapped_.find(key);
  if (found != mapped_.end()) {
    recent.erase(std::find(recent.begin(), recent.end(), key));
  } else {
    // A call maps at most two buffers of a member, so the oldest of more than this are not its.
    while (recent.size() >= kMappedPerMember) {
      mapped_.erase(recent.front());
      recent.pop_front();
    }
    FCCL_ASSIGN_OR_RETURN(SharedMapping mapping,
                          SharedMapping::open(pids_[static_cast<size_t>(member)], offer.fd, offer.allocBytes));
    struct stat st {};
    if (fstat(mapping.fd(), &st) != 0 || static_cast<uint64_t>(st.st_ino) != offer.inode)
      return Status(Code::kRemote, who + "'s buffer allocation is not the one it offered");
    FCCL_TRACE(Subsys::kShm, "mapped %llu bytes of rank %d's memory (fd %d) for zero copy",
               static_cast<unsigned long long>(offer.allocBytes), member, offer.fd);
    found = mapped_.emplace(key, std::move(mapping)).first;
  }
  recent.push_back(key);
  return std::span<std::byte>(static_cast<std::byte*>(found->second.data()) + offer.offset, bytes);
}

Expected<bool> MulticastGroup::agreeZeroCopy(const CallBuffers& call, const Deadline& deadline, int64_t timeoutMs,
                                             const std::atomic<bool>* abortFlag) {
  MulticastOffer mine;
  if (call.needInput) mine.input = offerOf(call.input, call.inputBytes);
  if (call.needOutput) mine.output = offerOf(call.output, call.outputBytes);
  object_->offer(mine);
  object_->arrive();
  Backoff backoff;
  for (;;) {
    FCCL_ASSIGN_OR_RETURN(bool all, object_->allArrived());
    if (all) break;
    backoff.pause();
    if (!backoff.timeToCheck()) continue;
    FCCL_TRY(object_->health());
    if (abortFlag && abortFlag->load(std::memory_order_relaxed)) return Status(Code::kAborted, "communicator aborted");
    if (deadline.expired())
      return Status(Code::kTimeout, "timed out after " + std::to_string(timeoutMs) + " ms waiting for every rank's buffers");
  }
  bool everyone = true;
  for (int m = 0; m < members(); ++m) {
    FCCL_ASSIGN_OR_RETURN(offers_[static_cast<size_t>(m)], object_->offerOf(m));
    const MulticastOffer& o = offers_[static_cast<size_t>(m)];
    everyone = everyone && (!call.needInput || o.input.mappable) && (!call.needOutput || o.output.mappable);
  }
  if (!everyone) return false;
  for (int m = 0; m < members(); ++m) {
    const MulticastOffer& o = offers_[static_cast<size_t>(m)];
    auto& in = inputs_[static_cast<size_t>(m)];
    auto& out = outputs_[static_cast<size_t>(m)];
    in = out = {};
    if (m == self()) {
      in = {static_cast<std::byte*>(const_cast<void*>(call.input)), call.inputBytes};
      out = {static_cast<std::byte*>(call.output), call.outputBytes};
      continue;
    }
    if (call.needInput) {
      FCCL_ASSIGN_OR_RETURN(in, map(m, o.input, call.inputBytes));
    }
    if (call.needOutput) {
      FCCL_ASSIGN_OR_RETURN(out, map(m, o.output, call.outputBytes));
    }
  }
  return true;
}

void MulticastGroup::prepare(bool zeroCopy, bool oneShot) {
  zeroCopy_ = zeroCopy;
  oneShot_ = oneShot;
  if (oneShot) ++oneShots_;
  if (!zeroCopy) {
    for (auto& s : inputs_) s = {};
    for (auto& s : outputs_) s = {};
  }
}

std::span<std::byte> MulticastGroup::memberBuffer(int member, Buffer buffer) const {
  if (member < 0 || member >= members()) return {};
  if (buffer == extraBuffer(0))
    return oneShot_ ? object_->oneShot(member, static_cast<int>(oneShots_ & 1)) : object_->window(member);
  if (!zeroCopy_) return {};
  if (buffer == Buffer::kInput) return inputs_[static_cast<size_t>(member)];
  if (buffer == Buffer::kOutput) return outputs_[static_cast<size_t>(member)];
  return {};
}

}  // namespace fccl
