#include "api/guard.h"

#include <string>

#include "api/live_handles.h"
#include "common/log.h"
#include "common/result_code.h"

namespace fccl::api {
namespace {
thread_local std::string tLastError;
}

fcclResult_t toResult(Code code) { return resultFromCode(code); }

fcclResult_t finish(const char* function, Status s) {
  tLastError = std::string(function) + ": " + s.message();
  FCCL_WARN(Subsys::kInit, "%s", tLastError.c_str());
  return toResult(s.code());
}

Expected<Communicator*> asComm(fcclComm_t comm) {
  if (comm == nullptr) return Status(Code::kInvalidArgument, "comm is NULL");
  auto* c = reinterpret_cast<Communicator*>(comm);
  if (!isLiveHandle(c) || !c->valid()) return Status(Code::kInvalidArgument, "comm is not a live communicator (destroyed?)");
  setLogRank(c->rank());
  return c;
}

const char* lastError() { return tLastError.c_str(); }

}  // namespace fccl::api
