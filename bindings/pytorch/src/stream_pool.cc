#include "stream_pool.h"

#include <c10/util/Exception.h>

#include <algorithm>
#include <utility>

#include "fccl_check.h"

namespace fccl::pytorch {

StreamLease::StreamLease(StreamLease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)), stream_(std::exchange(other.stream_, nullptr)) {}

StreamLease& StreamLease::operator=(StreamLease&& other) noexcept {
  if (this != &other) {
    reset();
    pool_ = std::exchange(other.pool_, nullptr);
    stream_ = std::exchange(other.stream_, nullptr);
  }
  return *this;
}

void StreamLease::reset() {
  if (pool_ != nullptr) pool_->release(stream_);
  pool_ = nullptr;
  stream_ = nullptr;
}

StreamPool::~StreamPool() = default;  // each Entry destroys its stream

StreamLease StreamPool::acquire() {
  std::lock_guard lock(mutex_);
  auto leastBusy = std::min_element(streams_.begin(), streams_.end(),
                                    [](const Entry& a, const Entry& b) { return a.leases < b.leases; });
  if (leastBusy == streams_.end() || (leastBusy->leases > 0 && streams_.size() < kMaxStreams)) {
    fcclStream_t made = nullptr;
    checkFccl(fcclStreamCreate(&made), "fcclStreamCreate");
    streams_.push_back(Entry{std::unique_ptr<fcclStream, StreamDestroy>(made), 0});
    leastBusy = streams_.end() - 1;
  }
  ++leastBusy->leases;
  return StreamLease(this, leastBusy->stream.get());
}

StreamLease StreamPool::share(const StreamLease& lease) {
  std::lock_guard lock(mutex_);
  ++entryOf(lease.get()).leases;
  return StreamLease(this, lease.get());
}

void StreamPool::release(fcclStream_t stream) {
  std::lock_guard lock(mutex_);
  --entryOf(stream).leases;
}

StreamPool::Entry& StreamPool::entryOf(fcclStream_t stream) {
  auto it = std::find_if(streams_.begin(), streams_.end(), [&](const Entry& e) { return e.stream.get() == stream; });
  TORCH_INTERNAL_ASSERT(it != streams_.end(), "fccl: a stream lease names a stream this pool does not own");
  return *it;
}

}  // namespace fccl::pytorch
