#include "api/live_handles.h"

#include <atomic>
#include <cstdint>
#include <mutex>
#include <unordered_set>

namespace fccl::api {
namespace {

struct LiveHandles {
  std::mutex mutex;
  std::unordered_set<const void*> handles;
  // Bumped whenever a handle is taken back: a thread's memory of a handle it found live holds
  // while the generation it saw it in is still the current one.
  std::atomic<uint64_t> generation{1};
};

// The last handle this thread found live, and in which generation: a loop of calls on one
// communicator looks it up once, then reads one counter per call.
struct LastLive {
  const void* handle = nullptr;
  uint64_t generation = 0;
};
thread_local LastLive tLastLive;

LiveHandles& live() {
  static LiveHandles* handles = new LiveHandles;  // never destroyed: handles may outlive statics
  return *handles;
}

}  // namespace

void addLiveHandle(const void* handle) {
  std::lock_guard lock(live().mutex);
  live().handles.insert(handle);
}

void removeLiveHandle(const void* handle) {
  std::lock_guard lock(live().mutex);
  live().handles.erase(handle);
  live().generation.fetch_add(1, std::memory_order_acq_rel);
}

bool isLiveHandle(const void* handle) {
  LiveHandles& all = live();
  const uint64_t now = all.generation.load(std::memory_order_acquire);
  if (handle != nullptr && tLastLive.handle == handle && tLastLive.generation == now) return true;
  std::lock_guard lock(all.mutex);
  if (all.handles.count(handle) == 0) return false;
  // `now` was read before the lookup: a removal since then makes the next call look again.
  tLastLive = {handle, now};
  return true;
}

}  // namespace fccl::api
