// fccl streams for the operations in flight. An operation queued on a stream of its own can be
// seen to finish on its own (fcclStreamSynchronize waits for that stream's work only), so every
// operation borrows a stream that nothing else uses, when one is free. The order of operations
// does not depend on the streams: the communicator runs its calls in the order they were made,
// whatever stream each was queued on.
//
// A host-device stream is a worker thread, so the pool keeps what it made for reuse and, past
// kMaxStreams, lends the least busy stream to several operations (each then finishes no earlier
// than the work queued on that stream before it, which is later but still correct). The cap is
// small because a stream whose call waits for its turn is woken at every turn of the
// communicator: with many operations in flight, 16 streams took 4 times as long per operation as
// 4 (1 KiB all-reduces, 2 ranks on 2 cores).
//
// Thread-safe: operations are started in one thread and finished in another.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "fccl/fccl.h"

namespace fccl::pytorch {

class StreamPool;

// One operation's use of a stream; returns it to the pool when reset or destroyed. Move-only.
class StreamLease {
 public:
  StreamLease() = default;
  StreamLease(StreamLease&& other) noexcept;
  StreamLease& operator=(StreamLease&& other) noexcept;
  ~StreamLease() { reset(); }

  fcclStream_t get() const { return stream_; }
  void reset();

 private:
  friend class StreamPool;
  StreamLease(StreamPool* pool, fcclStream_t stream) : pool_(pool), stream_(stream) {}
  StreamPool* pool_ = nullptr;
  fcclStream_t stream_ = nullptr;
};

class StreamPool {
 public:
  static constexpr size_t kMaxStreams = 4;

  StreamPool() = default;
  // Destroys every stream, waiting for work queued on them. Every lease must be gone by then.
  ~StreamPool();
  StreamPool(const StreamPool&) = delete;
  StreamPool& operator=(const StreamPool&) = delete;

  // A stream no other lease holds, made if need be; throws when fccl cannot make one.
  StreamLease acquire();
  // Another lease on `lease`'s stream (the calls of a group must share one stream).
  StreamLease share(const StreamLease& lease);

 private:
  friend class StreamLease;
  struct StreamDestroy {
    void operator()(fcclStream* stream) const { fcclStreamDestroy(stream); }
  };
  struct Entry {
    std::unique_ptr<fcclStream, StreamDestroy> stream;
    int leases = 0;
  };
  void release(fcclStream_t stream);
  Entry& entryOf(fcclStream_t stream);

  std::mutex mutex_;  // guards streams_
  std::vector<Entry> streams_;
};

}  // namespace fccl::pytorch
