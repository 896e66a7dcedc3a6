// The multicast object (NVLS) of one scale-up domain, as the host models it: every member
// exposes a segment that every other member maps, so each can load from and store to all of
// them, as a switch's multicast address reaches every member's memory at once.
//
//   [ MulticastControl | window (staging, windowBytes) | one-shot area (2 x oneShotBytes) ]
//
// The control block carries the member's sync counter (`arrived`, a release store after
// everything the member wrote before the sync) and, per sync parity, the buffers it offers for
// zero copy and a digest of the call it is in: members in different calls (a rank that skipped
// or changed a call) fail at their next sync instead of mixing each other's data. A member may be one sync ahead of another, never two: a counter further ahead, or
// behind what was seen, is corruption and fails the wait. Segments are memfds of mode 0600, like
// the FIFOs (shared_mapping.h); a member whose process dies is seen through its pidfd.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/expected.h"
#include "transports/scaleup/peer_watch.h"
#include "transports/scaleup/shared_mapping.h"

namespace fccl {

// One buffer a member offers for a call: where its allocation lives, for the others to map.
struct BufferOffer {
  int32_t fd = -1;         // in the member's process
  uint32_t mappable = 0;   // 0: not peer memory (staging is needed)
  uint64_t inode = 0;      // identifies the allocation while it lives (fds are reused)
  uint64_t allocBytes = 0; // the whole allocation, as the others map it
  uint64_t offset = 0;     // of the buffer in the allocation
  uint64_t bytes = 0;      // of the buffer
};

struct MulticastOffer {
  uint64_t sync = 0;  // the sync it was made for
  BufferOffer input, output;
};

constexpr uint64_t kMulticastMagic = 0x6663636c6d636f30ull;  // "fcclmco0"
constexpr uint32_t kMulticastVersion = 1;

struct alignas(64) MulticastControl {
  uint64_t magic;
  uint32_t version;
  uint32_t members;
  uint64_t windowBytes;
  uint64_t oneShotBytes;
  uint64_t token;
  alignas(64) std::atomic<uint64_t> arrived;
  alignas(64) MulticastOffer offers[2];  // by sync parity: a member reading one never races the next
  uint64_t calls[2];                     // by sync parity: a digest of the call the member is in
};

// What a member tells the others at setup, over the bootstrap.
struct MulticastHandle {
  uint64_t magic;
  int32_t pid;
  int32_t fd;
  uint64_t segmentBytes;
  uint64_t token;
};

class MulticastObject {
 public:
  // This member's segment; the others are attached with attach().
  static Expected<std::unique_ptr<MulticastObject>> create(int self, int members, size_t windowBytes, size_t oneShotBytes);
  MulticastHandle handle() const;
  // Maps every other member's segment from its handle (checked against what this member
  // expects: size, token, layout) and watches its process (`pids[m]`).
  Status attach(std::span<const MulticastHandle> handles, std::span<const int> pids);

  int members() const { return members_; }
  int self() const { return self_; }
  // Member m's window, and half `half` of its one-shot area.
  std::span<std::byte> window(int member) const;
  std::span<std::byte> oneShot(int member, int half) const;

  // Makes `offer` this member's for the sync it arrives at next (call before arrive()).
  void offer(MulticastOffer offer);
  // After allArrived(): what member m offered for that sync; kRemote if it made none for it.
  Expected<MulticastOffer> offerOf(int member) const;

  // The call every sync from now on belongs to; members must agree on it.
  void setCall(uint64_t digest, std::string description);
  void arrive();
  // kInvalidUsage when a member arrived from another call.
  Expected<bool> allArrived();
  // kRemote when a member that has not arrived at this rank's sync is gone.
  Status health() const;

 private:
  MulticastObject(int self, int members, size_t windowBytes, size_t oneShotBytes, SharedMapping own);
  MulticastControl* control(int member) const;
  std::byte* segment(int member) const;

  int self_;
  int members_;
  size_t windowBytes_;
  size_t oneShotBytes_;
  std::vector<SharedMapping> segments_;  // by member; ours at self_
  std::vector<PeerWatch> watches_;
  uint64_t syncs_ = 0;     // syncs this member has arrived at
  uint64_t call_ = 0;      // the digest of the call those syncs belong to
  std::string callText_;   // and what it is, for messages
  int firstWaiting_ = 0;   // members below this one have been seen at syncs_
};

}  // namespace fccl
