// The plans of the last few distinct calls a communicator ran. A training loop makes the same
// calls again and again; building a plan (its vectors of steps) per call costs more than a small
// call moves. A plan is a pure function of its request and the communicator's rings, which do
// not change, so the request is the key.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "algorithms/algorithms.h"

namespace fccl {

// A plan, and the protocols whose connections it has found in place: the connections of a
// communicator stay until it goes, so a plan checks them once per protocol.
struct CachedPlan {
  Plan plan;
  uint32_t connected = 0;  // bit p: the connections of protocol p are in place
};

class PlanCache {
 public:
  // `request`'s plan by `build`, built on a miss. The reference stays valid until the next get.
  CachedPlan& get(PlanFn build, const PlanRequest& request);
  // Changes whenever a plan is built (and so another may have been dropped): a reference from
  // get() is still good while this has not changed.
  uint64_t generation() const { return builds_; }

 private:
  struct Key {
    PlanFn build = nullptr;
    Collective collective{};
    size_t count = 0;
    int channels = 0;
    int root = 0;
    size_t chunkElems = 0;
    size_t windowElems = 0;
    bool zeroCopy = false;
    bool operator==(const Key&) const = default;
  };
  struct Entry {
    Key key;
    CachedPlan cached;
  };
  static constexpr size_t kEntries = 16;
  std::array<Entry, kEntries> entries_{};
  size_t used_ = 0;  // entries filled so far
  size_t next_ = 0;  // the entry a miss replaces once all are filled (oldest first)
  size_t last_ = 0;  // the last hit, looked at first
  uint64_t builds_ = 0;
};

}  // namespace fccl
