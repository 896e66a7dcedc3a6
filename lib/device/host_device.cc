#include "device/host_device.h"

#include <cstring>
#include <exception>
#include <new>
#include <string>

#include "common/result_code.h"
#include "common/status.h"
#include "device/host_multicast.h"
#include "device/host_stream.h"
#include "device/reduce_kernels.h"

namespace fccl {
namespace {

struct HostContext {
  fcclLogFn log = nullptr;
};

// The one place a Status leaves the host device: its text goes to the log callback (the ABI's
// only channel for details), its code becomes the return value.
fcclResult_t report(void* ctx, const char* hook, const Status& status) {
  if (status.isOk()) return fcclSuccess;
  const auto* host = static_cast<const HostContext*>(ctx);
  if (host && host->log) {
    const std::string text = std::string("host ") + hook + ": " + status.message();
    host->log(fcclLogWarn, text.c_str());
  }
  return resultFromCode(status.code());
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
  Expected<void*> memory = hostMemoryAlloc(bytes);
  if (!memory.isOk()) return report(ctx, "memAlloc", memory.status());
  *ptr = *memory;
  return fcclSuccess;
}

fcclResult_t hostMemFree(void* ctx, void* ptr) { return report(ctx, "memFree", hostMemoryFree(ptr)); }

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

// Streams. A C hook must not let an exception out: starting a worker thread or growing a queue
// can throw, and becomes a returned error here.
Status streamHandle(void* stream) {
  return stream ? Status::ok() : Status(Code::kInvalidArgument, "stream is NULL");
}

// Waiting on a stream from its own work would wait for itself forever.
Status notFromOwnWork(void* stream) {
  FCCL_TRY(streamHandle(stream));
  if (static_cast<HostStream*>(stream)->onWorker())
    return Status(Code::kInvalidUsage, "called from work running on that stream (it would wait for itself)");
  return Status::ok();
}

fcclResult_t hostStreamCreate(void* ctx, void** stream) {
  if (!stream) return report(ctx, "streamCreate", Status(Code::kInvalidArgument, "stream (the output) is NULL"));
  *stream = nullptr;
  try {
    *stream = new HostStream;
    return fcclSuccess;
  } catch (const std::bad_alloc&) {
    return report(ctx, "streamCreate", Status(Code::kSystem, "out of memory"));
  } catch (const std::exception& e) {  // std::system_error: no thread for the worker
    return report(ctx, "streamCreate", Status(Code::kSystem, std::string("cannot start the worker: ") + e.what()));
  }
}

fcclResult_t hostStreamDestroy(void* ctx, void* stream) {
  if (!stream) return fcclSuccess;
  if (Status s = notFromOwnWork(stream); !s.isOk()) return report(ctx, "streamDestroy", s);
  delete static_cast<HostStream*>(stream);
  return fcclSuccess;
}

fcclResult_t hostStreamLaunchHostFn(void* ctx, void* stream, fcclResult_t (*fn)(void*), void* arg) {
  if (Status s = streamHandle(stream); !s.isOk()) return report(ctx, "streamLaunchHostFn", s);
  if (!fn) return report(ctx, "streamLaunchHostFn", Status(Code::kInvalidArgument, "fn is NULL"));
  try {
    static_cast<HostStream*>(stream)->launch(fn, arg);
    return fcclSuccess;
  } catch (const std::bad_alloc&) {
    return report(ctx, "streamLaunchHostFn", Status(Code::kSystem, "out of memory queueing work"));
  }
}

// The sticky error is not reported through the log: the work that failed already said why, and
// the caller (Stream) keeps that message.
fcclResult_t hostStreamSynchronize(void* ctx, void* stream) {
  if (Status s = notFromOwnWork(stream); !s.isOk()) return report(ctx, "streamSynchronize", s);
  return static_cast<HostStream*>(stream)->synchronize();
}

fcclResult_t hostStreamQuery(void* ctx, void* stream) {
  if (Status s = streamHandle(stream); !s.isOk()) return report(ctx, "streamQuery", s);
  return static_cast<HostStream*>(stream)->query();
}

fcclResult_t hostMulticastReduce(void* ctx, void* dst, const void* const* srcs, int nsrcs, size_t count,
                                 fcclDataType_t type, fcclRedOp_t op) {
  return report(ctx, "multicastReduce", multicastReduceKernel(dst, srcs, nsrcs, count, type, op));
}

fcclResult_t hostMulticastStore(void* ctx, void* const* dsts, int ndsts, const void* src, size_t bytes) {
  return report(ctx, "multicastStore", multicastStoreKernel(dsts, ndsts, src, bytes));
}

fcclResult_t hostMulticastReduceStore(void* ctx, void* const* dsts, int ndsts, const void* const* srcs, int nsrcs,
                                      size_t count, fcclDataType_t type, fcclRedOp_t op) {
  return report(ctx, "multicastReduceStore", multicastReduceStoreKernel(dsts, ndsts, srcs, nsrcs, count, type, op));
}

constexpr fcclDevice_v1_t kHostDevice = {
    .size = sizeof(fcclDevice_v1_t),
    .version = FCCL_DEVICE_VERSION(1, 3),
    .name = "host",
    .init = hostInit,
    .finalize = hostFinalize,
    .fabricId = hostFabricId,
    .memAlloc = hostMemAlloc,
    .memFree = hostMemFree,
    .copy = hostCopy,
    .reduce = hostReduce,
    .divide = hostDivide,
    .streamCreate = hostStreamCreate,
    .streamDestroy = hostStreamDestroy,
    .streamLaunchHostFn = hostStreamLaunchHostFn,
    .streamSynchronize = hostStreamSynchronize,
    .streamQuery = hostStreamQuery,
    .multicastReduce = hostMulticastReduce,
    .multicastStore = hostMulticastStore,
    .multicastReduceStore = hostMulticastReduceStore,
};

}  // namespace

const fcclDevice_v1_t& hostDevicePlugin() { return kHostDevice; }

}  // namespace fccl
