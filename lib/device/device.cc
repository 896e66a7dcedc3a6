#include "device/device.h"

#include <dlfcn.h>

#include <cstddef>
#include <initializer_list>
#include <string>
#include <utility>

#include "common/env.h"
#include "common/log.h"
#include "common/plugin_hooks.h"
#include "common/result_code.h"
#include "device/host_device.h"

namespace fccl {
namespace {

constexpr const char* kPluginEnv = "FCCL_DEVICE_PLUGIN";
constexpr size_t kFabricIdBytes = 256;
// Where each ABI version's struct ends: 1.0 at `divide`, 1.1 after the stream hooks.
constexpr size_t kSizeV1_0 = offsetof(fcclDevice_v1_t, streamCreate);
constexpr size_t kSizeV1_1 = offsetof(fcclDevice_v1_t, streamQuery) + sizeof(fcclDevice_v1_t::streamQuery);

void forwardLog(fcclLogLevel_t level, const char* message) { plugin::forwardLog(level, message, Subsys::kInit, "device plugin"); }

template <class Hook>
Status callHook(std::string_view name, const char* hook, Hook&& run) {
  return plugin::callHook("device", name, hook, std::forward<Hook>(run));
}

using plugin::HookField;

using plugin::firstMissing;

// The 1.1 stream hooks come all or none: a plugin may leave them all NULL (it has no streams),
// but half a set is a bug that would only show up at the first stream call.
Status validateStreams(const fcclDevice_v1_t* plugin, const std::string& where) {
  if (plugin->size < kSizeV1_1) return Status::ok();  // a 1.0 plugin: the fields are not there
  if (!plugin->streamCreate && !plugin->streamDestroy && !plugin->streamLaunchHostFn && !plugin->streamSynchronize &&
      !plugin->streamQuery)
    return Status::ok();
  return firstMissing(where + "stream hooks come all or none, but ", {
                                 {"streamCreate", plugin->streamCreate != nullptr},
                                 {"streamDestroy", plugin->streamDestroy != nullptr},
                                 {"streamLaunchHostFn", plugin->streamLaunchHostFn != nullptr},
                                 {"streamSynchronize", plugin->streamSynchronize != nullptr},
                                 {"streamQuery", plugin->streamQuery != nullptr},
                             });
}

Status validate(const fcclDevice_v1_t* plugin, const std::string& origin) {
  const std::string where = "device plugin " + origin + ": ";
  if (!plugin) return Status(Code::kInvalidUsage, where + FCCL_DEVICE_PLUGIN_SYMBOL " is NULL");
  if (plugin->size < kSizeV1_0)
    return Status(Code::kInvalidUsage, where + "struct size " + std::to_string(plugin->size) +
                                           " is smaller than fcclDevice_v1_t 1.0 (" + std::to_string(kSizeV1_0) +
                                           " bytes)");
  if ((plugin->version >> 16) != 1)
    return Status(Code::kInvalidUsage, where + "major version " + std::to_string(plugin->version >> 16) +
                                           ", fccl speaks version 1");
  if (!plugin->name) return Status(Code::kInvalidUsage, where + "field 'name' is NULL");
  FCCL_TRY(firstMissing(where, {
                                   {"init", plugin->init != nullptr},
                                   {"finalize", plugin->finalize != nullptr},
                                   {"fabricId", plugin->fabricId != nullptr},
                                   {"memAlloc", plugin->memAlloc != nullptr},
                                   {"memFree", plugin->memFree != nullptr},
                                   {"copy", plugin->copy != nullptr},
                                   {"reduce", plugin->reduce != nullptr},
                                   {"divide", plugin->divide != nullptr},
                               }));
  return validateStreams(plugin, where);
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
  FCCL_TRY(validate(plugin, origin));
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
      hasStreams_(plugin->size >= kSizeV1_1 && plugin->streamCreate != nullptr) {}  // validate(): all or none

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
  id[sizeof(id) - 1] = '\0';  // a plugin that fills the buffer still yields a terminated string
  return std::string(id);
}

Status Device::needStreams() const {
  if (hasStreams_) return Status::ok();
  const char* why = plugin_->size < kSizeV1_1 ? "plugin ABI 1.0" : "its plugin leaves the stream hooks NULL";
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
