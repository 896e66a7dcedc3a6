// A net plugin for tests: the built-in ofi net behind a plugin boundary. Every hook forwards to
// the built-in one (its own copy, linked into this library) and counts its calls, so a test that
// loads it with FCCL_NET_PLUGIN can prove that fccl went through the plugin for everything.
//
// Built three ways: as is; with FCCL_TEST_NULL_HOOK (isend is NULL); with FCCL_TEST_OLD_VERSION
// (ABI 0.9): both must be refused with an error naming the library and the fault.
#include <atomic>
#include <cstdint>

#include "fccl/fccl_net.h"
#include "transports/scaleout/ofi_net.h"

namespace {

enum Hook {
  kInit, kFinalize, kDevices, kGetProperties, kListen, kConnect, kAccept, kRegMr, kRegMrDmaBuf, kDeregMr,
  kIsend, kIrecv, kIflush, kTest, kCloseSend, kCloseRecv, kCloseListen, kHookCount
};

std::atomic<uint64_t> gCalls[kHookCount];
uint64_t gSnapshot[kHookCount];

const fcclNet_v1_t& inner() { return fccl::ofiNetPlugin(); }
void count(Hook h) { gCalls[h].fetch_add(1, std::memory_order_relaxed); }

fcclResult_t init(fcclLogFn log, void** ctx) { count(kInit); return inner().init(log, ctx); }
fcclResult_t finalize(void* ctx) { count(kFinalize); return inner().finalize(ctx); }
fcclResult_t devices(void* ctx, int* n) { count(kDevices); return inner().devices(ctx, n); }
fcclResult_t getProperties(void* ctx, int dev, fcclNetProperties_v1_t* p) {
  count(kGetProperties);
  return inner().getProperties(ctx, dev, p);
}
fcclResult_t listen(void* ctx, int dev, void* handle, void** comm) {
  count(kListen);
  return inner().listen(ctx, dev, handle, comm);
}
fcclResult_t connect(void* ctx, int dev, const void* handle, void** comm) {
  count(kConnect);
  return inner().connect(ctx, dev, handle, comm);
}
fcclResult_t accept(void* listenComm, void** comm) { count(kAccept); return inner().accept(listenComm, comm); }
fcclResult_t regMr(void* comm, void* data, size_t size, int type, void** mh) {
  count(kRegMr);
  return inner().regMr(comm, data, size, type, mh);
}
fcclResult_t regMrDmaBuf(void* comm, void* data, size_t size, int type, uint64_t offset, int fd, void** mh) {
  count(kRegMrDmaBuf);
  return inner().regMrDmaBuf(comm, data, size, type, offset, fd, mh);
}
fcclResult_t deregMr(void* comm, void* mh) { count(kDeregMr); return inner().deregMr(comm, mh); }
[[maybe_unused]] fcclResult_t isend(void* comm, void* data, size_t size, uint32_t tag, void* mh, void** request) {
  count(kIsend);
  return inner().isend(comm, data, size, tag, mh, request);
}
fcclResult_t irecv(void* comm, int n, void** data, size_t* sizes, uint32_t* tags, void** mhs, void** request) {
  count(kIrecv);
  return inner().irecv(comm, n, data, sizes, tags, mhs, request);
}
fcclResult_t iflush(void* comm, int n, void** data, size_t* sizes, void** mhs, void** request) {
  count(kIflush);
  return inner().iflush(comm, n, data, sizes, mhs, request);
}
fcclResult_t test(void* request, int* done, size_t* sizes) { count(kTest); return inner().test(request, done, sizes); }
fcclResult_t closeSend(void* comm) { count(kCloseSend); return inner().closeSend(comm); }
fcclResult_t closeRecv(void* comm) { count(kCloseRecv); return inner().closeRecv(comm); }
fcclResult_t closeListen(void* comm) { count(kCloseListen); return inner().closeListen(comm); }

}  // namespace

extern "C" {

__attribute__((visibility("default"))) extern const fcclNet_v1_t fcclNetPlugin_v1;
const fcclNet_v1_t fcclNetPlugin_v1 = {
    .size = sizeof(fcclNet_v1_t),
#ifdef FCCL_TEST_OLD_VERSION
    .version = FCCL_NET_VERSION(0, 9),
#else
    .version = FCCL_NET_VERSION(1, 0),
#endif
    .name = "counting",
    .init = init,
    .finalize = finalize,
    .devices = devices,
    .getProperties = getProperties,
    .listen = listen,
    .connect = connect,
    .accept = accept,
    .regMr = regMr,
    .regMrDmaBuf = regMrDmaBuf,
    .deregMr = deregMr,
#ifdef FCCL_TEST_NULL_HOOK
    .isend = nullptr,
#else
    .isend = isend,
#endif
    .irecv = irecv,
    .iflush = iflush,
    .test = test,
    .closeSend = closeSend,
    .closeRecv = closeRecv,
    .closeListen = closeListen,
};

// The calls so far, indexed like fcclNet_v1_t's hooks from init to closeListen.
__attribute__((visibility("default"))) const uint64_t* fcclTestNetCalls(int* count) {
  for (int i = 0; i < kHookCount; ++i) gSnapshot[i] = gCalls[i].load(std::memory_order_relaxed);
  *count = kHookCount;
  return gSnapshot;
}

}  // extern "C"
