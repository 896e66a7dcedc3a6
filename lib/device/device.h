// The device fccl runs on, as the rest of fccl sees it: a C++ wrapper over one fccl_device.h
// plugin (the built-in `host` device, or a library named by FCCL_DEVICE_PLUGIN) and the context
// its init returned. Every plugin result becomes a Status whose message names the device, the
// hook and what the plugin logged about the failure.
//
// Lifetime: a Device owns the plugin context (finalize in the destructor) and the dlopen handle
// (closed after finalize). Thread safety is the plugin's: the host device's hooks may be called
// from any thread at once; the wrapper adds no state of its own besides a thread-local capture
// of the plugin's messages.
//
// Plugin ABI 1.0 and 1.1 both load: the wrapper reads the struct's `size` to tell whether the
// 1.1 stream hooks are there, and the stream methods of a device without them fail with
// kInvalidUsage ("device 'x' has no streams (plugin ABI 1.0)") instead of calling past the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/expected.h"
#include "common/status.h"
#include "fccl/fccl_device.h"

namespace fccl {

struct DlClose {
  void operator()(void* handle) const;
};
using LibraryHandle = std::unique_ptr<void, DlClose>;  // a dlopen handle, closed once

class Device {
 public:
  // The device named by FCCL_DEVICE_PLUGIN (a shared library exporting fcclDevicePlugin_v1, or
  // "host"), else the built-in host device. Errors name the library and what is wrong with it.
  static Expected<std::unique_ptr<Device>> load();
  // Validates `plugin` (non-NULL, size, major version 1, name and every hook present) and runs
  // its init. `origin` says where the struct came from in messages ("built-in", a path);
  // `library` keeps the code of a loaded plugin mapped while the Device lives.
  static Expected<std::unique_ptr<Device>> fromPlugin(const fcclDevice_v1_t* plugin, std::string origin,
                                                      LibraryHandle library = nullptr);
  // The device of this process, loaded by load() on first use (thread-safe) and kept for the
  // life of the process; its streams and fcclMemAlloc memory come from here. A failed load is
  // kept too: FCCL_DEVICE_PLUGIN is read once, and every later call returns the same error.
  static Expected<Device*> process();

  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;
  ~Device();

  std::string_view name() const { return plugin_->name; }

  // dst[i] = a[i] op b[i]; see fccl_device.h for aliasing and alignment rules.
  Status reduce(void* dst, const void* a, const void* b, size_t count, fcclDataType_t type, fcclRedOp_t op);
  // dst[i] = src[i] / divisor, the end of an average.
  Status divide(void* dst, const void* src, size_t count, fcclDataType_t type, uint32_t divisor);
  // dst and src do not overlap. Blocks until done.
  Status copy(void* dst, const void* src, size_t bytes);
  // Memory peers may map; release it with free().
  Expected<void*> alloc(size_t bytes);
  Status free(void* ptr);
  // The scale-up fabric the device sits on; empty when it has none (the host device).
  Expected<std::string> fabricId();

  // The multicast calls (fccl_device.h 1.2): what a scale-up switch does in the fabric.
  bool hasMulticast() const { return hasMulticast_; }
  // dst = srcs[0] op srcs[1] op ...; see fccl_device.h for aliasing.
  Status multicastReduce(void* dst, std::span<const void* const> srcs, size_t count, fcclDataType_t type, fcclRedOp_t op);
  // Every dsts[k] = src (a dst equal to src is left alone).
  Status multicastStore(std::span<void* const> dsts, const void* src, size_t bytes);
  // Every dsts[k] = srcs[0] op srcs[1] op ...: the plugin's one pass (1.3), else a reduce into
  // dsts[0] and a store from there.
  Status multicastReduceStore(std::span<void* const> dsts, std::span<const void* const> srcs, size_t count,
                              fcclDataType_t type, fcclRedOp_t op);

  // Native streams (fccl_device.h 1.1), as opaque handles of the plugin. Work on a stream runs in
  // queue order; fn's failing result sticks to the stream. Every method fails with kInvalidUsage
  // when the plugin has no streams; see fccl_device.h for blocking and thread safety.
  bool hasStreams() const { return hasStreams_; }
  Expected<void*> streamCreate();
  // Waits for the stream's queued work, then destroys it.
  Status streamDestroy(void* stream);
  // Queues fn(arg); returns at once. On failure fn was not queued and will never run.
  Status streamLaunchHostFn(void* stream, fcclResult_t (*fn)(void* arg), void* arg);
  // Waits for queued work; the sticky error (with the code fn returned) or ok.
  Status streamSynchronize(void* stream);
  // The sticky error, else kInProgress while work remains, else ok. Never blocks.
  Status streamQuery(void* stream);

 private:
  Device(LibraryHandle library, const fcclDevice_v1_t* plugin, void* ctx);
  Status needStreams() const;

  LibraryHandle library_;  // declared first: closed only after the plugin is finalized
  const fcclDevice_v1_t* plugin_;
  void* ctx_;
  bool hasStreams_;  // the plugin's struct reaches the 1.1 stream hooks and fills them all
  bool hasMulticast_;  // ... and the 1.2 multicast hooks
  bool hasMulticastReduceStore_;  // ... and the 1.3 fused one
};

}  // namespace fccl
