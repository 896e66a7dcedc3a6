// C entry points for versions, errors, ids and communicator lifetime.
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "api/guard.h"
#include "api/live_handles.h"
#include "bootstrap/unique_id.h"
#include "comm/comm_options.h"
#include "common/env.h"
#include "common/log.h"

using fccl::Code;
using fccl::Status;
namespace api = fccl::api;

namespace {

bool isZero(const fcclUniqueId& id) {
  for (char c : id.internal)
    if (c != 0) return false;
  return true;
}

Status initRank(fcclComm_t* out, int nranks, fcclUniqueId id, int rank, const fcclConfig_t* config) {
  if (!out) return Status(Code::kInvalidArgument, "comm (the output pointer) is NULL");
  *out = nullptr;
  if (nranks < 1) return Status(Code::kInvalidArgument, "nranks is " + std::to_string(nranks) + ", must be >= 1");
  if (rank < 0 || rank >= nranks)
    return Status(Code::kInvalidArgument, "rank is " + std::to_string(rank) + ", must be in [0, " + std::to_string(nranks) + ")");
  fccl::setLogRank(rank);
  FCCL_ASSIGN_OR_RETURN(fccl::CommOptions options, fccl::resolveCommOptions(config));
  // Launchers that can only set environment variables pass a zeroed id and FCCL_COMM_ID.
  if (isZero(id) && fccl::envString("FCCL_COMM_ID")) {
    FCCL_ASSIGN_OR_RETURN(id, fccl::uniqueIdFromEnv(rank, options.timeoutMs));
  }
  FCCL_ASSIGN_OR_RETURN(auto comm, fccl::Communicator::create(id, nranks, rank, options));
  *out = reinterpret_cast<fcclComm_t>(comm.release());
  api::addLiveHandle(*out);
  return options.blocking ? Status::ok() : Status(Code::kInProgress, "init in progress");
}

// One process, ndev ranks: each rank's init waits for the others at the bootstrap, so they
// start together, one thread each.
Status initAll(fcclComm_t* comms, int ndev, const int* devlist) {
  if (!comms) return Status(Code::kInvalidArgument, "comms is NULL");
  if (ndev < 1) return Status(Code::kInvalidArgument, "ndev is " + std::to_string(ndev) + ", must be >= 1");
  for (int i = 0; devlist && i < ndev; ++i)
    if (devlist[i] < 0) return Status(Code::kInvalidArgument, "devlist[" + std::to_string(i) + "] is " + std::to_string(devlist[i]));
  for (int i = 0; i < ndev; ++i) comms[i] = nullptr;
  FCCL_ASSIGN_OR_RETURN(fccl::CommOptions options, fccl::resolveCommOptions(nullptr));
  fcclUniqueId id;
  FCCL_TRY(fccl::createUniqueId(&id, options.timeoutMs));
  std::vector<std::unique_ptr<fccl::Communicator>> created(static_cast<size_t>(ndev));
  std::vector<Status> results(static_cast<size_t>(ndev));
  std::vector<std::thread> threads;
  for (int i = 0; i < ndev; ++i)
    threads.emplace_back([&, i] {
      fccl::CommOptions mine = options;
      mine.device = devlist ? devlist[i] : i;
      auto comm = fccl::Communicator::create(id, ndev, i, mine);
      if (comm.isOk()) created[static_cast<size_t>(i)] = std::move(comm).take();
      else results[static_cast<size_t>(i)] = std::move(comm).takeStatus().context("rank " + std::to_string(i));
    });
  for (auto& t : threads) t.join();
  for (Status& s : results)
    if (!s.isOk()) return std::move(s);  // the created ones are freed with `created`
  for (int i = 0; i < ndev; ++i) {
    comms[i] = reinterpret_cast<fcclComm_t>(created[static_cast<size_t>(i)].release());
    api::addLiveHandle(comms[i]);
  }
  return Status::ok();
}

Status split(fcclComm_t comm, int color, int key, fcclComm_t* newcomm, const fcclConfig_t* config) {
  if (!newcomm) return Status(Code::kInvalidArgument, "newcomm is NULL");
  *newcomm = nullptr;
  FCCL_ASSIGN_OR_RETURN(auto* parent, api::asComm(comm));
  fccl::CommOptions options = parent->options();
  if (config) {
    FCCL_ASSIGN_OR_RETURN(options, fccl::resolveCommOptions(config));
    options.device = parent->device();
  }
  FCCL_ASSIGN_OR_RETURN(auto child, parent->split(color, key, options));
  *newcomm = reinterpret_cast<fcclComm_t>(child.release());
  if (*newcomm) api::addLiveHandle(*newcomm);
  return *newcomm && !options.blocking ? Status(Code::kInProgress, "init in progress") : Status::ok();
}

}  // namespace

extern "C" {

fcclResult_t fcclGetVersion(int* version) {
  return api::guard("fcclGetVersion", [&] {
    if (!version) return Status(Code::kInvalidArgument, "version is NULL");
    *version = FCCL_VERSION_CODE;
    return Status::ok();
  });
}

const char* fcclGetErrorString(fcclResult_t result) {
  switch (result) {
    case fcclSuccess: return "no error";
    case fcclUnhandledError: return "unhandled system error";
    case fcclSystemError: return "system error (see fcclGetLastError)";
    case fcclInternalError: return "internal error - please report this issue";
    case fcclInvalidArgument: return "invalid argument";
    case fcclInvalidUsage: return "invalid usage";
    case fcclRemoteError: return "remote process exited or there was a network error";
    case fcclInProgress: return "operation in progress";
    case fcclTimeout: return "operation timed out";
    default: return "unknown result code";
  }
}

const char* fcclGetLastError(fcclComm_t) { return api::lastError(); }

fcclResult_t fcclGetUniqueId(fcclUniqueId* uniqueId) {
  return api::guard("fcclGetUniqueId", [&] {
    if (!uniqueId) return Status(Code::kInvalidArgument, "uniqueId is NULL");
    FCCL_ASSIGN_OR_RETURN(int64_t timeoutMs, fccl::envInt("FCCL_TIMEOUT_MS", 300000, 1, int64_t{1} << 40));
    return fccl::createUniqueId(uniqueId, timeoutMs);
  });
}

fcclResult_t fcclCommInitRank(fcclComm_t* comm, int nranks,
                                                                      fcclUniqueId commId, int rank) {
  return api::guard("fcclCommInitRank", [&] { return initRank(comm, nranks, commId, rank, nullptr); });
}

fcclResult_t fcclCommInitRankConfig(fcclComm_t* comm, int nranks,
                                                                            fcclUniqueId commId, int rank,
                                                                            fcclConfig_t* config) {
  return api::guard("fcclCommInitRankConfig", [&] { return initRank(comm, nranks, commId, rank, config); });
}

fcclResult_t fcclCommFinalize(fcclComm_t comm) {
  return api::guard("fcclCommFinalize", [&] {
    FCCL_ASSIGN_OR_RETURN(auto* c, api::asComm(comm));
    return c->finalize();
  });
}

fcclResult_t fcclCommDestroy(fcclComm_t comm) {
  return api::guard("fcclCommDestroy", [&] {
    if (comm == nullptr) return Status::ok();  // like free(NULL)
    FCCL_ASSIGN_OR_RETURN(auto* c, api::asComm(comm));
    api::removeLiveHandle(c);
    delete c;
    return Status::ok();
  });
}

fcclResult_t fcclCommAbort(fcclComm_t comm) {
  return api::guard("fcclCommAbort", [&] {
    if (comm == nullptr) return Status::ok();
    FCCL_ASSIGN_OR_RETURN(auto* c, api::asComm(comm));
    api::removeLiveHandle(c);
    c->abort();
    delete c;
    return Status::ok();
  });
}

fcclResult_t fcclCommGetAsyncError(fcclComm_t comm, fcclResult_t* asyncError) {
  return api::guard("fcclCommGetAsyncError", [&] {
    if (!asyncError) return Status(Code::kInvalidArgument, "asyncError is NULL");
    FCCL_ASSIGN_OR_RETURN(auto* c, api::asComm(comm));
    Status s = c->asyncError();
    *asyncError = api::toResult(s.code());
    return Status::ok();
  });
}

fcclResult_t fcclCommInitAll(fcclComm_t* comms, int ndev, const int* devlist) {
  return api::guard("fcclCommInitAll", [&] { return initAll(comms, ndev, devlist); });
}

fcclResult_t fcclCommSplit(fcclComm_t comm, int color, int key, fcclComm_t* newcomm, fcclConfig_t* config) {
  return api::guard("fcclCommSplit", [&] { return split(comm, color, key, newcomm, config); });
}

fcclResult_t fcclCommDevice(const fcclComm_t comm, int* device) {
  return api::guard("fcclCommDevice", [&] {
    if (!device) return Status(Code::kInvalidArgument, "device is NULL");
    FCCL_ASSIGN_OR_RETURN(auto* c, api::asComm(comm));
    *device = c->device();
    return Status::ok();
  });
}

fcclResult_t fcclCommRegister(const fcclComm_t comm, void* buff, size_t size, void** handle) {
  return api::guard("fcclCommRegister", [&] {
    if (!handle) return Status(Code::kInvalidArgument, "handle is NULL");
    *handle = nullptr;
    FCCL_ASSIGN_OR_RETURN(auto* c, api::asComm(comm));
    FCCL_ASSIGN_OR_RETURN(*handle, c->registrations().add(buff, size));
    return Status::ok();
  });
}

fcclResult_t fcclCommDeregister(const fcclComm_t comm, void* handle) {
  return api::guard("fcclCommDeregister", [&] {
    FCCL_ASSIGN_OR_RETURN(auto* c, api::asComm(comm));
    return c->registrations().remove(handle);
  });
}

fcclResult_t fcclCommCount(const fcclComm_t comm, int* count) {
  return api::guard("fcclCommCount", [&] {
    if (!count) return Status(Code::kInvalidArgument, "count is NULL");
    FCCL_ASSIGN_OR_RETURN(auto* c, api::asComm(comm));
    *count = c->nranks();
    return Status::ok();
  });
}

fcclResult_t fcclCommUserRank(const fcclComm_t comm, int* rank) {
  return api::guard("fcclCommUserRank", [&] {
    if (!rank) return Status(Code::kInvalidArgument, "rank is NULL");
    FCCL_ASSIGN_OR_RETURN(auto* c, api::asComm(comm));
    *rank = c->rank();
    return Status::ok();
  });
}

}  // extern "C"
