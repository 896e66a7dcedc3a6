#include "device/device.h"

#include <dlfcn.h>

#include <string>
#include <utility>

#include "common/env.h"
#include "common/log.h"
#include "device/host_device.h"

namespace fccl {
namespace {

constexpr const char* kPluginEnv = "FCCL_DEVICE_PLUGIN";
constexpr size_t kFabricIdBytes = 256;

// While a thread is inside a plugin hook, the warnings the plugin logs are about that call: they
// are collected here and travel up inside the returned Status, so the user reads them once, in
// the error, rather than once in the log and again in the error.
thread_local std::string* tCapture = nullptr;

class CaptureScope {
 public:
  CaptureScope() : previous_(std::exchange(tCapture, &text_)) {}
  ~CaptureScope() { tCapture = previous_; }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::string* previous_;
};

void forwardLog(fcclLogLevel_t level, const char* message) {
  if (!message) return;
  if (level == fcclLogWarn && tCapture) {
    if (!tCapture->empty()) *tCapture += "; ";
    *tCapture += message;
    FCCL_INFO(Subsys::kInit, "device plugin: %s", message);
    return;
  }
  const LogLevel ours = level == fcclLogWarn   ? LogLevel::kWarn
                        : level == fcclLogInfo ? LogLevel::kInfo
                                               : LogLevel::kTrace;
  FCCL_LOG(ours, Subsys::kInit, "device plugin: %s", message);
}

Code toCode(fcclResult_t result) {
  switch (result) {
    case fcclInvalidArgument: return Code::kInvalidArgument;
    case fcclInvalidUsage: return Code::kInvalidUsage;
    case fcclSystemError: return Code::kSystem;
    case fcclRemoteError: return Code::kRemote;
    case fcclTimeout: return Code::kTimeout;
    case fcclInProgress: return Code::kInProgress;
    default: return Code::kInternal;
  }
}

const char* resultName(fcclResult_t result) {
  switch (result) {
    case fcclSuccess: return "fcclSuccess";
    case fcclUnhandledError: return "fcclUnhandledError";
    case fcclSystemError: return "fcclSystemError";
    case fcclInternalError: return "fcclInternalError";
    case fcclInvalidArgument: return "fcclInvalidArgument";
    case fcclInvalidUsage: return "fcclInvalidUsage";
    case fcclRemoteError: return "fcclRemoteError";
    case fcclInProgress: return "fcclInProgress";
    case fcclTimeout: return "fcclTimeout";
    default: return "unknown fcclResult_t";
  }
}

// Runs one hook; a failure becomes "device 'host' reduce failed (fcclInvalidArgument): <what the
// plugin logged>".
template <class Hook>
Status callHook(std::string_view device, const char* hook, Hook&& run) {
  CaptureScope capture;
  const fcclResult_t result = run();
  if (result == fcclSuccess) return Status::ok();
  std::string message = "device '" + std::string(device) + "' " + hook + " failed (" + resultName(result) + ")";
  if (!capture.text().empty()) message += ": " + capture.text();
  return Status(toCode(result), std::move(message));
}

Status validate(const fcclDevice_v1_t* plugin, const std::string& origin) {
  const std::string where = "device plugin " + origin + ": ";
  if (!plugin) return Status(Code::kInvalidUsage, where + FCCL_DEVICE_PLUGIN_SYMBOL " is NULL");
  if (plugin->size < sizeof(fcclDevice_v1_t))
    return Status(Code::kInvalidUsage, where + "struct size " + std::to_string(plugin->size) +
                                           " is smaller than fcclDevice_v1_t (" +
                                           std::to_string(sizeof(fcclDevice_v1_t)) + " bytes)");
  if ((plugin->version >> 16) != 1)
    return Status(Code::kInvalidUsage, where + "major version " + std::to_string(plugin->version >> 16) +
                                           ", fccl speaks version 1");
  if (!plugin->name) return Status(Code::kInvalidUsage, where + "field 'name' is NULL");
  const struct {
    const char* field;
    bool present;
  } hooks[] = {
      {"init", plugin->init != nullptr},         {"finalize", plugin->finalize != nullptr},
      {"fabricId", plugin->fabricId != nullptr}, {"memAlloc", plugin->memAlloc != nullptr},
      {"memFree", plugin->memFree != nullptr},   {"copy", plugin->copy != nullptr},
      {"reduce", plugin->reduce != nullptr},     {"divide", plugin->divide != nullptr},
  };
  for (const auto& hook : hooks)
    if (!hook.present) return Status(Code::kInvalidUsage, where + "hook '" + hook.field + "' is NULL");
  return Status::ok();
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

Device::Device(LibraryHandle library, const fcclDevice_v1_t* plugin, void* ctx)
    : library_(std::move(library)), plugin_(plugin), ctx_(ctx) {}

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

}  // namespace fccl
