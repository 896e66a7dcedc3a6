#include "transports/scaleout/ofi_net.h"

#include <atomic>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result_code.h"
#include "transports/scaleout/ofi_comm.h"
#include "transports/scaleout/ofi_device.h"
#include "transports/scaleout/ofi_provider.h"

namespace fccl {
namespace {

// The context init() returns: the provider choice, and the devices opened so far (a device is
// opened on first use; most processes use one NIC of several).
class OfiNet {
 public:
  OfiNet(ProviderChoice choice, fcclLogFn log) : choice_(std::move(choice)), log_(log), devices_(choice_.devices.size()) {}

  int count() const { return static_cast<int>(choice_.devices.size()); }
  const ProviderChoice& choice() const { return choice_; }
  fcclLogFn log() const { return log_; }

  Status checkDev(int dev) const {
    if (dev < 0 || dev >= count())
      return Status(Code::kInvalidArgument, "device " + std::to_string(dev) + " does not exist (" +
                                                std::to_string(count()) + " devices)");
    return Status::ok();
  }

  Expected<OfiDevice*> device(int dev) {
    FCCL_TRY(checkDev(dev));
    std::lock_guard<std::mutex> guard(mutex_);
    auto& slot = devices_[static_cast<size_t>(dev)];
    if (!slot) {
      FCCL_ASSIGN_OR_RETURN(slot, OfiDevice::open(*choice_.devices[static_cast<size_t>(dev)], dev, log_));
    }
    return slot.get();
  }

 private:
  ProviderChoice choice_;
  fcclLogFn log_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<OfiDevice>> devices_;
};

// init's callback, for the errors of hooks that get no ctx. fccl passes one callback to every
// net it loads, so the last one set is as good as any.
std::atomic<fcclLogFn> gLogForErrors{nullptr};

// Runs a hook body; a failing Status is logged as a warning (the caller captures it into its
// error) and mapped to a result. Nothing may escape into the C caller.
template <class Body>
fcclResult_t guard(fcclLogFn log, const char* hook, Body&& body) {
  Status s;
  try {
    s = body();
  } catch (const std::exception& e) {
    s = Status(Code::kInternal, std::string("unexpected exception: ") + e.what());
  }
  if (s.isOk()) return fcclSuccess;
  if (log) log(fcclLogWarn, (std::string("ofi ") + hook + ": " + s.message()).c_str());
  return resultFromCode(s.code());
}

OfiNet* asNet(void* ctx) { return static_cast<OfiNet*>(ctx); }

Status commError(const char* kind) {
  return Status(Code::kInvalidArgument, std::string("not a ") + kind + " comm of the ofi net");
}

fcclResult_t ofiInit(fcclLogFn log, void** ctx) {
  gLogForErrors = log;
  return guard(log, "init", [&]() -> Status {
    if (!ctx) return Status(Code::kInvalidArgument, "ctx is NULL");
    FCCL_ASSIGN_OR_RETURN(ProviderChoice choice, chooseProvider());
    std::string names;
    for (const auto& d : choice.devices) names += std::string(names.empty() ? "" : ", ") + d->domain_attr->name;
    if (log)
      log(fcclLogInfo, ("ofi: provider " + choice.provider + " (" + choice.why + "), " +
                        std::to_string(choice.devices.size()) + " device(s): " + names)
                           .c_str());
    *ctx = new OfiNet(std::move(choice), log);
    return Status::ok();
  });
}

fcclResult_t ofiFinalize(void* ctx) {
  return guard(gLogForErrors, "finalize", [&]() -> Status {
    delete asNet(ctx);
    return Status::ok();
  });
}

fcclResult_t ofiDevices(void* ctx, int* ndev) {
  return guard(gLogForErrors, "devices", [&]() -> Status {
    if (!ctx || !ndev) return Status(Code::kInvalidArgument, "NULL argument");
    *ndev = asNet(ctx)->count();
    return Status::ok();
  });
}

fcclResult_t ofiGetProperties(void* ctx, int dev, fcclNetProperties_v1_t* props) {
  return guard(gLogForErrors, "getProperties", [&]() -> Status {
    if (!ctx || !props) return Status(Code::kInvalidArgument, "NULL argument");
    OfiNet* net = asNet(ctx);
    FCCL_TRY(net->checkDev(dev));
    fcclNetProperties_v1_t full{};
    describeDevice(*net->choice().devices[static_cast<size_t>(dev)], net->choice().rma, &full);
    // The caller's struct may be older (smaller): write only what it has, keep its size.
    const size_t callerSize = props->size;
    std::memcpy(props, &full, std::min(callerSize, sizeof(full)));
    props->size = callerSize;
    return Status::ok();
  });
}

fcclResult_t ofiListen(void* ctx, int dev, void* handle, void** listenComm) {
  return guard(gLogForErrors, "listen", [&]() -> Status {
    if (!ctx || !handle || !listenComm) return Status(Code::kInvalidArgument, "NULL argument");
    FCCL_ASSIGN_OR_RETURN(OfiDevice * device, asNet(ctx)->device(dev));
    auto lock = device->lock();
    FCCL_ASSIGN_OR_RETURN(OfiListenComm * listen,
                          OfiListenComm::create(*device, std::span<std::byte, FCCL_NET_HANDLE_MAXSIZE>(
                                                             static_cast<std::byte*>(handle), FCCL_NET_HANDLE_MAXSIZE)));
    *listenComm = static_cast<OfiComm*>(listen);
    return Status::ok();
  });
}

fcclResult_t ofiConnect(void* ctx, int dev, const void* handle, void** sendComm) {
  return guard(gLogForErrors, "connect", [&]() -> Status {
    if (!ctx || !handle || !sendComm) return Status(Code::kInvalidArgument, "NULL argument");
    *sendComm = nullptr;
    FCCL_ASSIGN_OR_RETURN(OfiHandle h, decodeHandle(std::span<const std::byte, FCCL_NET_HANDLE_MAXSIZE>(
                                           static_cast<const std::byte*>(handle), FCCL_NET_HANDLE_MAXSIZE)));
    FCCL_ASSIGN_OR_RETURN(OfiDevice * device, asNet(ctx)->device(dev));
    auto lock = device->lock();
    device->progress();
    FCCL_ASSIGN_OR_RETURN(OfiSendComm * comm, OfiSendComm::connect(*device, h));
    if (comm) *sendComm = static_cast<OfiComm*>(comm);
    return Status::ok();
  });
}

fcclResult_t ofiAccept(void* listenComm, void** recvComm) {
  return guard(gLogForErrors, "accept", [&]() -> Status {
    OfiComm* listen = OfiComm::check(listenComm, OfiComm::Kind::kListen);
    if (!listen || !recvComm) return commError("listen");
    *recvComm = nullptr;
    auto lock = listen->device().lock();
    listen->device().progress();
    FCCL_ASSIGN_OR_RETURN(OfiRecvComm * comm, static_cast<OfiListenComm*>(listen)->accept());
    if (comm) *recvComm = static_cast<OfiComm*>(comm);
    return Status::ok();
  });
}

OfiComm* dataComm(void* comm) {
  if (OfiComm* c = OfiComm::check(comm, OfiComm::Kind::kSend)) return c;
  return OfiComm::check(comm, OfiComm::Kind::kRecv);
}

fcclResult_t ofiRegMr(void* comm, void* data, size_t size, int type, void** mhandle) {
  return guard(gLogForErrors, "regMr", [&]() -> Status {
    OfiComm* c = dataComm(comm);
    if (!c || !mhandle) return commError("send or receive");
    if (type != FCCL_NET_PTR_HOST)
      return Status(Code::kInvalidUsage, "memory type " + std::to_string(type) +
                                             ": the ofi net registers host memory only (FCCL_NET_PTR_HOST)");
    auto lock = c->device().lock();
    FCCL_ASSIGN_OR_RETURN(OfiMr * mr, c->device().regMr(data, size));
    *mhandle = mr;
    return Status::ok();
  });
}

fcclResult_t ofiRegMrDmaBuf(void* comm, void*, size_t, int, uint64_t, int, void** mhandle) {
  return guard(gLogForErrors, "regMrDmaBuf", [&]() -> Status {
    if (mhandle) *mhandle = nullptr;
    OfiComm* c = dataComm(comm);
    const std::string who = c ? c->device().describe() : "the ofi net";
    return Status(Code::kInvalidUsage,
                  "dma-buf registration is not supported by " + who + " (libfabric 1.17 has no FI_MR_DMABUF)");
  });
}

fcclResult_t ofiDeregMr(void* comm, void* mhandle) {
  return guard(gLogForErrors, "deregMr", [&]() -> Status {
    OfiComm* c = dataComm(comm);
    if (!c) return commError("send or receive");
    auto lock = c->device().lock();
    return c->device().deregMr(static_cast<OfiMr*>(mhandle));
  });
}

// An mhandle the caller passed: NULL, or one regMr gave out on this device.
Expected<OfiMr*> checkMr(OfiDevice& device, void* mhandle) {
  auto* mr = static_cast<OfiMr*>(mhandle);
  if (mr && !device.knowsMr(mr)) return Status(Code::kInvalidArgument, "unknown memory handle");
  return mr;
}

fcclResult_t ofiIsend(void* sendComm, void* data, size_t size, uint32_t tag, void* mhandle, void** request) {
  return guard(gLogForErrors, "isend", [&]() -> Status {
    OfiComm* c = OfiComm::check(sendComm, OfiComm::Kind::kSend);
    if (!c || !request) return commError("send");
    *request = nullptr;
    auto lock = c->device().lock();
    FCCL_ASSIGN_OR_RETURN(OfiMr * mr, checkMr(c->device(), mhandle));
    FCCL_ASSIGN_OR_RETURN(OfiRequest * r, static_cast<OfiSendComm*>(c)->isend(data, size, tag, mr));
    *request = r;
    return Status::ok();
  });
}

fcclResult_t ofiIrecv(void* recvComm, int n, void** data, size_t* sizes, uint32_t* tags, void** mhandles,
                      void** request) {
  return guard(gLogForErrors, "irecv", [&]() -> Status {
    OfiComm* c = OfiComm::check(recvComm, OfiComm::Kind::kRecv);
    if (!c || !request || !data || !sizes || !tags) return commError("receive");
    *request = nullptr;
    auto lock = c->device().lock();
    OfiMr* mrs[FCCL_NET_MAX_RECVS] = {};
    for (int i = 0; i < n && i < FCCL_NET_MAX_RECVS; ++i) {
      FCCL_ASSIGN_OR_RETURN(mrs[i], checkMr(c->device(), mhandles ? mhandles[i] : nullptr));
    }
    FCCL_ASSIGN_OR_RETURN(OfiRequest * r, static_cast<OfiRecvComm*>(c)->irecv(n, data, sizes, tags, mrs));
    *request = r;
    return Status::ok();
  });
}

fcclResult_t ofiIflush(void* recvComm, int, void**, size_t*, void**, void** request) {
  return guard(gLogForErrors, "iflush", [&]() -> Status {
    if (!OfiComm::check(recvComm, OfiComm::Kind::kRecv) || !request) return commError("receive");
    *request = nullptr;  // host memory: what arrived is visible already
    return Status::ok();
  });
}

fcclResult_t ofiTest(void* request, int* done, size_t* sizes) {
  return guard(gLogForErrors, "test", [&]() -> Status {
    auto* r = static_cast<OfiRequest*>(request);
    if (!r || !done || r->magic != kRequestMagic) return Status(Code::kInvalidArgument, "not a request of the ofi net");
    *done = 0;
    auto lock = r->device.lock();
    if (!r->device.owns(r)) return Status(Code::kInvalidArgument, "request already finished or never issued");
    // A request that already ended needs no progress: testing the sends of a full window, or a
    // health check of every slot, would otherwise cost the provider's poll once per request.
    if (!r->finished()) r->device.callerProgress();
    FCCL_ASSIGN_OR_RETURN(bool finished, testRequest(r, sizes));
    *done = finished ? 1 : 0;
    return Status::ok();
  });
}

fcclResult_t closeKind(void* comm, OfiComm::Kind kind, const char* what) {
  return guard(gLogForErrors, what, [&]() -> Status {
    OfiComm* c = OfiComm::check(comm, kind);
    if (!c) return commError(kind == OfiComm::Kind::kSend ? "send" : kind == OfiComm::Kind::kRecv ? "receive" : "listen");
    auto lock = c->device().lock();
    closeComm(c, lock);
    return Status::ok();
  });
}

fcclResult_t ofiCloseSend(void* comm) { return closeKind(comm, OfiComm::Kind::kSend, "closeSend"); }
fcclResult_t ofiCloseRecv(void* comm) { return closeKind(comm, OfiComm::Kind::kRecv, "closeRecv"); }
fcclResult_t ofiCloseListen(void* comm) { return closeKind(comm, OfiComm::Kind::kListen, "closeListen"); }

const fcclNet_v1_t kOfiNet = {
    .size = sizeof(fcclNet_v1_t),
    .version = FCCL_NET_VERSION(1, 0),
    .name = "ofi",
    .init = ofiInit,
    .finalize = ofiFinalize,
    .devices = ofiDevices,
    .getProperties = ofiGetProperties,
    .listen = ofiListen,
    .connect = ofiConnect,
    .accept = ofiAccept,
    .regMr = ofiRegMr,
    .regMrDmaBuf = ofiRegMrDmaBuf,
    .deregMr = ofiDeregMr,
    .isend = ofiIsend,
    .irecv = ofiIrecv,
    .iflush = ofiIflush,
    .test = ofiTest,
    .closeSend = ofiCloseSend,
    .closeRecv = ofiCloseRecv,
    .closeListen = ofiCloseListen,
};

}  // namespace

const fcclNet_v1_t& ofiNetPlugin() { return kOfiNet; }

}  // namespace fccl
