#include "comm/plan_cache.h"

namespace fccl {

CachedPlan& PlanCache::get(PlanFn build, const PlanRequest& request) {
  const Key key{build, request.collective, request.count, request.channels, request.root,
                request.chunkElems, request.windowElems, request.zeroCopy};
  if (last_ < used_ && entries_[last_].key == key) return entries_[last_].cached;
  for (size_t i = 0; i < used_; ++i)
    if (entries_[i].key == key) {
      last_ = i;
      return entries_[i].cached;
    }
  const size_t slot = used_ < kEntries ? used_++ : next_++ % kEntries;
  ++builds_;
  entries_[slot] = Entry{key, CachedPlan{build(request)}};
  last_ = slot;
  return entries_[slot].cached;
}

}  // namespace fccl
