#include "device/device.h"

#include <dlfcn.h>

#include <cstddef>
#include <string>
#include <utility>

#include "common/dtype.h"
#include "common/env.h"
#include "common/log.h"
#include "common/plugin_hooks.h"
#include "common/result_code.h"
#include "device/device_checks.h"
#include "device/host_device.h"

namespace fccl {
namespace {

constexpr const char* kPluginEnv = "FCCL_DEVICE_PLUGIN";
constexpr size_t kFabricIdBytes = 256;

void forwardLog(fcclLogLevel_t level, const char* message) { plugin::forwardLog(level, message, Subsys::kInit, "device plugin"); }

template <class Hook>
Status callHook(std::string_view name, const char* hook, Hook&& run) {
  return plugin::callHook("device", name, hook, std::forward<Hook>(run));
}

std::string dlMessage() {
  const char* text = dlerror();
  return text ? text : "unknown dl error";
}

}  // namespace

void DlClose::operator()(void* handle) const {
  if (handle) dlclose(handle);
}

Expected<std::unique_ptr<Device>> Device::load() {
  const auto path = envString(kPluginEnv);
  if (!path || *path == "host") return fromPlugin(&hostDevicePlugin(), "built-in");
  const std::string where = std::string(kPluginEnv) + "=" + *path + ": ";
  dlerror();  // clear any stale error so the message below is this call's
  LibraryHandle library(dlopen(path->c_str(), RTLD_NOW | RTLD_LOCAL));
  if (!library) return Status(Code::kSystem, where + "cannot load the device plugin: " + dlMessage());
  void* symbol = dlsym(library.get(), FCCL_DEVICE_PLUGIN_SYMBOL);
  if (!symbol)
    return Status(Code::kInvalidUsage,
                  where + "no symbol " FCCL_DEVICE_PLUGIN_SYMBOL " in the library: " + dlMessage());
  return fromPlugin(static_cast<const fcclDevice_v1_t*>(symbol), *path, std::move(library));
}

Expected<std::unique_ptr<Device>> Device::fromPlugin(const fcclDevice_v1_t* plugin, std::string origin,
                                                     LibraryHandle library) {
  FCCL_TRY(checkDevicePlugin(plugin, origin));
  void* ctx = nullptr;
  Status init = callHook(plugin->name, "init", [&] { return plugin->init(forwardLog, &ctx); });
  if (!init.isOk()) return std::move(init).context("device plugin " + origin);
  std::unique_ptr<Device> device(new Device(std::move(library), plugin, ctx));
  FCCL_INFO(Subsys::kInit, "device '%s' from %s (plugin ABI %u.%u)", plugin->name, origin.c_str(),
            plugin->version >> 16, plugin->version & 0xffffu);
  return device;
}

Expected<Device*> Device::process() {
  // Never destroyed: streams and memory of the process device may still be released by other
  // threads or static destructors while the process exits, after a plain static would be gone.
  static const auto* const loaded = new Expected<std::unique_ptr<Device>>(load());
  if (!loaded->isOk()) return loaded->status();
  return loaded->operator*().get();
}

Device::Device(LibraryHandle library, const fcclDevice_v1_t* plugin, void* ctx)
    : library_(std::move(library)),
      plugin_(plugin),
      ctx_(ctx),
      hasStreams_(deviceHasStreams(*plugin)),
      hasMulticast_(deviceHasMulticast(*plugin)),
      hasMulticastReduceStore_(deviceHasMulticastReduceStore(*plugin)) {}

Device::~Device() {
  Status s = callHook(name(), "finalize", [&] { return plugin_->finalize(ctx_); });
  if (!s.isOk()) FCCL_INFO(Subsys::kInit, "%s", s.message().c_str());  // nothing left to act on
}

Status Device::reduce(void* dst, const void* a, const void* b, size_t count, fcclDataType_t type, fcclRedOp_t op) {
  return callHook(name(), "reduce", [&] { return plugin_->reduce(ctx_, dst, a, b, count, type, op); });
}

Status Device::divide(void* dst, const void* src, size_t count, fcclDataType_t type, uint32_t divisor) {
  return callHook(name(), "divide", [&] { return plugin_->divide(ctx_, dst, src, count, type, divisor); });
}

Status Device::copy(void* dst, const void* src, size_t bytes) {
  return callHook(name(), "copy", [&] { return plugin_->copy(ctx_, dst, src, bytes); });
}

Expected<void*> Device::alloc(size_t bytes) {
  void* ptr = nullptr;
  FCCL_TRY(callHook(name(), "memAlloc", [&] { return plugin_->memAlloc(ctx_, &ptr, bytes); })
               .context("allocating " + std::to_string(bytes) + " bytes"));
  return ptr;
}

Status Device::free(void* ptr) {
  return callHook(name(), "memFree", [&] { return plugin_->memFree(ctx_, ptr); });
}

Expected<std::string> Device::fabricId() {
  char id[kFabricIdBytes] = {};
  FCCL_TRY(callHook(name(), "fabricId", [&] { return plugin_->fabricId(ctx_, id, sizeof(id)); }));
  return fabricIdFrom(id, sizeof(id));
}

Status Device::multicastReduce(void* dst, std::span<const void* const> srcs, size_t count, fcclDataType_t type,
                               fcclRedOp_t op) {
  if (!hasMulticast_) return Status(Code::kInvalidUsage, "device '" + std::string(name()) + "' has no multicast calls");
  return callHook(name(), "multicastReduce", [&] {
    return plugin_->multicastReduce(ctx_, dst, srcs.data(), static_cast<int>(srcs.size()), count, type, op);
  });
}

Status Device::multicastStore(std::span<void* const> dsts, const void* src, size_t bytes) {
  if (!hasMulticast_) return Status(Code::kInvalidUsage, "device '" + std::string(name()) + "' has no multicast calls");
  return callHook(name(), "multicastStore", [&] {
    return plugin_->multicastStore(ctx_, dsts.data(), static_cast<int>(dsts.size()), src, bytes);
  });
}

Status Device::multicastReduceStore(std::span<void* const> dsts, std::span<const void* const> srcs, size_t count,
                                   fcclDataType_t type, fcclRedOp_t op) {
  if (dsts.empty()) return Status(Code::kInvalidArgument, "multicastReduceStore to no destination");
  if (!hasMulticastReduceStore_) {
    FCCL_TRY(multicastReduce(dsts[0], srcs, count, type, op));
    return multicastStore(dsts, dsts[0], count * typeSize(type));
  }
  return callHook(name(), "multicastReduceStore", [&] {
    return plugin_->multicastReduceStore(ctx_, dsts.data(), static_cast<int>(dsts.size()), srcs.data(),
                                         static_cast<int>(srcs.size()), count, type, op);
  });
}

Status Device::needStreams() const {
  if (hasStreams_) return Status::ok();
  const char* why = plugin_->size < kDeviceSizeV1_1 ? "plugin ABI 1.0" : "its plugin leaves the stream hooks NULL";
  return Status(Code::kInvalidUsage, "device '" + std::string(name()) + "' has no streams (" + why + ")");
}

Expected<void*> Device::streamCreate() {
  FCCL_TRY(needStreams());
  void* stream = nullptr;
  FCCL_TRY(callHook(name(), "streamCreate", [&] { return plugin_->streamCreate(ctx_, &stream); }));
  return stream;
}

Status Device::streamDestroy(void* stream) {
  FCCL_TRY(needStreams());
  return callHook(name(), "streamDestroy", [&] { return plugin_->streamDestroy(ctx_, stream); });
}

Status Device::streamLaunchHostFn(void* stream, fcclResult_t (*fn)(void* arg), void* arg) {
  FCCL_TRY(needStreams());
  return callHook(name(), "streamLaunchHostFn", [&] { return plugin_->streamLaunchHostFn(ctx_, stream, fn, arg); });
}

Status Device::streamSynchronize(void* stream) {
  FCCL_TRY(needStreams());
  return callHook(name(), "streamSynchronize", [&] { return plugin_->streamSynchronize(ctx_, stream); });
}

Status Device::streamQuery(void* stream) {
  FCCL_TRY(needStreams());
  fcclResult_t result = fcclSuccess;
  Status s = callHook(name(), "streamQuery", [&] { return result = plugin_->streamQuery(ctx_, stream); });
  // Busy is an answer, not a failure: say so plainly.
  if (result == fcclInProgress)
    return Status(Code::kInProgress, "device '" + std::string(name()) + "' stream has work queued");
  return s;
}

}  // namespace fccl
