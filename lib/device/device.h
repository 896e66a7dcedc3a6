// The device fccl runs on, as the rest of fccl sees it: a C++ wrapper over one fccl_device.h
// plugin (the built-in `host` device, or a library named by FCCL_DEVICE_PLUGIN) and the context
// its init returned. Every plugin result becomes a Status whose message names the device, the
// hook and what the plugin logged about the failure.
//
// Lifetime: a Device owns the plugin context (finalize in the destructor) and the dlopen handle
// (closed after finalize). Thread safety is the plugin's: the host device's hooks may be called
// from any thread at once; the wrapper adds no state of its own besides a thread-local capture
// of the plugin's messages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
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

 private:
  Device(LibraryHandle library, const fcclDevice_v1_t* plugin, void* ctx);

  LibraryHandle library_;  // declared first: closed only after the plugin is finalized
  const fcclDevice_v1_t* plugin_;
  void* ctx_;
};

}  // namespace fccl
