#include "device/host_device.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "common/status.h"
#include "device/reduce_kernels.h"

namespace fccl {
namespace {

constexpr size_t kAlignment = 64;

struct HostContext {
  fcclLogFn log = nullptr;
};

fcclResult_t toResult(Code code) {
  switch (code) {
    case Code::kOk: return fcclSuccess;
    case Code::kInvalidArgument: return fcclInvalidArgument;
    case Code::kInvalidUsage: return fcclInvalidUsage;
    case Code::kSystem: return fcclSystemError;
    case Code::kRemote: return fcclRemoteError;
    case Code::kTimeout: return fcclTimeout;
    case Code::kInProgress: return fcclInProgress;
    default: return fcclInternalError;
  }
}

// The one place a Status leaves the host device: its text goes to the log callback (the ABI's
// only channel for details), its code becomes the return value.
fcclResult_t report(void* ctx, const char* hook, const Status& status) {
  if (status.isOk()) return fcclSuccess;
  const auto* host = static_cast<const HostContext*>(ctx);
  if (host && host->log) {
    const std::string text = std::string("host ") + hook + ": " + status.message();
    host->log(fcclLogWarn, text.c_str());
  }
  return toResult(status.code());
}

fcclResult_t hostInit(fcclLogFn log, void** ctx) {
  if (!ctx) return fcclInvalidArgument;
  auto* host = new (std::nothrow) HostContext{log};
  if (!host) {
    if (log) log(fcclLogWarn, "host init: out of memory");
    return fcclSystemError;
  }
  *ctx = host;
  return fcclSuccess;
}

fcclResult_t hostFinalize(void* ctx) {
  delete static_cast<HostContext*>(ctx);
  return fcclSuccess;
}

fcclResult_t hostFabricId(void* ctx, char* id, size_t idBytes) {
  if (!id || idBytes == 0)
    return report(ctx, "fabricId", Status(Code::kInvalidArgument, "no room for the id (need 1 byte)"));
  id[0] = '\0';
  return fcclSuccess;
}

fcclResult_t hostMemAlloc(void* ctx, void** ptr, size_t bytes) {
  if (!ptr) return report(ctx, "memAlloc", Status(Code::kInvalidArgument, "ptr is NULL"));
  *ptr = nullptr;
  // Zero bytes still get a real block: the caller can tell "allocated" from "failed" by the
  // pointer alone, and memFree treats every pointer the same.
  const int err = posix_memalign(ptr, kAlignment, bytes == 0 ? kAlignment : bytes);
  if (err != 0) {
    *ptr = nullptr;
    return report(ctx, "memAlloc", systemError("posix_memalign of " + std::to_string(bytes) + " bytes", err));
  }
  return fcclSuccess;
}

fcclResult_t hostMemFree(void*, void* ptr) {
  std::free(ptr);
  return fcclSuccess;
}

fcclResult_t hostCopy(void* ctx, void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return fcclSuccess;
  if (!dst || !src)
    return report(ctx, "copy", Status(Code::kInvalidArgument, "null buffer for a copy of " + std::to_string(bytes) +
                                                                   " bytes"));
  std::memcpy(dst, src, bytes);
  return fcclSuccess;
}

fcclResult_t hostReduce(void* ctx, void* dst, const void* a, const void* b, size_t count, fcclDataType_t type,
                        fcclRedOp_t op) {
  return report(ctx, "reduce", reduceKernel(dst, a, b, count, type, op));
}

fcclResult_t hostDivide(void* ctx, void* dst, const void* src, size_t count, fcclDataType_t type,
                        uint32_t divisor) {
  return report(ctx, "divide", divideKernel(dst, src, count, type, divisor));
}

constexpr fcclDevice_v1_t kHostDevice = {
    .size = sizeof(fcclDevice_v1_t),
    .version = FCCL_DEVICE_VERSION(1, 0),
    .name = "host",
    .init = hostInit,
    .finalize = hostFinalize,
    .fabricId = hostFabricId,
    .memAlloc = hostMemAlloc,
    .memFree = hostMemFree,
    .copy = hostCopy,
    .reduce = hostReduce,
    .divide = hostDivide,
};

}  // namespace

const fcclDevice_v1_t& hostDevicePlugin() { return kHostDevice; }

}  // namespace fccl
