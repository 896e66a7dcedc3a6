#include "api/live_handles.h"

#include <mutex>
#include <unordered_set>

namespace fccl::api {
namespace {

struct LiveHandles {
  std::mutex mutex;
  std::unordered_set<const void*> handles;
};

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
}

bool isLiveHandle(const void* handle) {
  std::lock_guard lock(live().mutex);
  return live().handles.count(handle) > 0;
}

}  // namespace fccl::api
