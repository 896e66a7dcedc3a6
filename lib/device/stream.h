// A Stream is what an fcclStream_t points to: a native stream of the process device
// (Device::process()) plus the full Status of the first work that failed on it. The device's
// sticky error is only an fcclResult_t code; the Stream keeps the message beside it, so
// fcclStreamSynchronize can tell the user which operation failed and why.
//
// Order: work runs one item at a time, in launch order. Every item runs, also after one has
// failed: an item may hold a place that others wait for (a communicator's turn), so it must
// run and give it up; work that depends on a failed item finds out by itself (a communicator
// broken by the failure fails its later calls at once). synchronize()/query() report the first
// failure from then on.
//
// Thread safety: launch, synchronize and query may be called from any thread at once. Work must
// not synchronize or destroy the stream it runs on (the device refuses: it would wait for itself).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

#include "common/expected.h"
#include "common/status.h"
#include "device/device.h"
#include "fccl/fccl.h"

namespace fccl {

class Stream {
 public:
  // A new stream on the process device; fails when the device cannot load or has no streams.
  static Expected<std::unique_ptr<Stream>> create();
  // Waits for the queued work, then destroys the native stream.
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // Queues `work` behind everything launched before; returns at once. On failure (the device
  // could not queue it) the work will never run. A failing Status of the work is kept: the first
  // one wins.
  Status launch(std::function<Status()> work);
  // Waits until all launched work has run; the first failure of that work, or ok.
  Status synchronize();
  // Never blocks: the first failure, else Code::kInProgress while work remains, else ok.
  Status query();

  // False once destroyed (or for memory that never was a Stream): guards the C handle.
  bool valid() const { return magic_ == kMagic; }
  fcclStream_t handle() { return reinterpret_cast<fcclStream_t>(this); }

 private:
  struct Task;
  static constexpr uint64_t kMagic = 0x6663636c7374726dull;  // "fcclstrm"

  Stream(Device* device, void* native) : device_(device), native_(native) {}
  static fcclResult_t runTask(void* task);  // the trampoline the device calls on its worker
  // Records `failure` unless an earlier one is recorded; returns the one that stands.
  Status recordFailure(Status failure);
  Status firstFailure() const;

  uint64_t magic_ = kMagic;
  Device* device_;
  void* native_;
  mutable std::mutex mutex_;  // guards failure_
  Status failure_;
};

// The Stream behind a C handle: kInvalidArgument for NULL or for a handle that is not a live one.
Expected<Stream*> asStream(fcclStream_t stream);

}  // namespace fccl
