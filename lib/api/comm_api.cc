// C entry points for versions, errors, ids and communicator lifetime.
#include <cstring>
#include <string>

#include "api/guard.h"
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
  return options.blocking ? Status::ok() : Status(Code::kInProgress, "init in progress");
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
    delete c;
    return Status::ok();
  });
}

fcclResult_t fcclCommAbort(fcclComm_t comm) {
  return api::guard("fcclCommAbort", [&] {
    if (comm == nullptr) return Status::ok();
    FCCL_ASSIGN_OR_RETURN(auto* c, api::asComm(comm));
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
