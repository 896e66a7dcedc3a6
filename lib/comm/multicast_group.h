// The communicator's multicast object (NVLS), as the executor sees it (MulticastLinks): every
// member's window and one-shot area, and, for a zero-copy call, every member's input and output.
// Peers' buffers are mapped through a cache that keeps each peer allocation mapped once, so a
// buffer used call after call costs its mapping only the first time.
//
// Zero copy is agreed per call: at a sync every member offers its buffers (where its
// allocation lives, if it is peer memory: fcclMemAlloc), and the call runs zero copy only when
// every member's needed buffers can be mapped; every member reads the same offers, so all of
// them decide alike. Offers are checked before use: sizes against this call, allocations
// against their identity (an fd a peer reused for another allocation maps anew).
//
// One thread at a time: the communicator runs one call at a time.
#pragma once

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <span>
#include <tuple>
#include <vector>

#include "bootstrap/bootstrap.h"
#include "common/wait.h"
#include "runtime/executor.h"
#include "transports/scaleup/multicast_object.h"

namespace fccl {

class MulticastGroup final : public MulticastLinks {
 public:
  // Collective over every rank of the communicator, all in one scale-up domain on one kernel;
  // `pids[r]` is rank r's process.
  static Expected<std::unique_ptr<MulticastGroup>> create(Bootstrap& bootstrap, int rank, std::span<const int> pids,
                                                          size_t windowBytes, size_t oneShotBytes);

  // A call's buffers, and which of them the members reach into (all-reduce both, all-gather
  // the output, reduce-scatter the input).
  struct CallBuffers {
    const void* input;
    size_t inputBytes;
    void* output;
    size_t outputBytes;
    bool needInput;
    bool needOutput;
  };
  // The call the next syncs belong to: members in another call fail there.
  void setCall(uint64_t digest, std::string description) { object_->setCall(digest, std::move(description)); }
  // A sync at which every member offers its buffers; true when every member's needed buffers
  // are mapped here. Waits like the executor: backoff, deadline, abort flag, members' health.
  Expected<bool> agreeZeroCopy(const CallBuffers& call, const Deadline& deadline, int64_t timeoutMs,
                               const std::atomic<bool>* abortFlag);
  // What the next plan sees: zero copy (the members' buffers of the last agreement), the
  // window, or for a one-shot call the next half of the one-shot area.
  void prepare(bool zeroCopy, bool oneShot);
  // This rank's staging area for the prepared call: extraBuffer(0) of the plan.
  std::span<std::byte> ownStaging() const { return memberBuffer(self(), extraBuffer(0)); }

  int self() const { return object_->self(); }
  int members() const override { return object_->members(); }
  std::span<std::byte> memberBuffer(int member, Buffer buffer) override {
    return static_cast<const MulticastGroup*>(this)->memberBuffer(member, buffer);
  }
  std::span<std::byte> memberBuffer(int member, Buffer buffer) const;
  void arrive() override { object_->arrive(); }
  Expected<bool> allArrived() override { return object_->allArrived(); }
  Status health() override { return object_->health(); }

 private:
  explicit MulticastGroup(std::unique_ptr<MulticastObject> object, std::vector<int> pids);
  BufferOffer offerOf(const void* buffer, size_t bytes) const;
  Expected<std::span<std::byte>> map(int member, const BufferOffer& offer, size_t bytes);

  std::unique_ptr<MulticastObject> object_;
  std::vector<int> pids_;
  std::vector<std::span<std::byte>> inputs_, outputs_;  // the members' buffers of the last agreement
  std::vector<MulticastOffer> offers_;                 // what each member offered at it
  bool zeroCopy_ = false;
  bool oneShot_ = false;
  uint64_t oneShots_ = 0;  // one-shot calls so far: which half the next one stages into
  // Peer allocations mapped here, by (member, fd, inode), and per member the keys from least to
  // most recently used.
  using MappingKey = std::tuple<int, int, uint64_t>;
  std::map<MappingKey, SharedMapping> mapped_;
  std::vector<std::deque<MappingKey>> recentlyMapped_;
};

}  // namespace fccl
