#include "common/result_code.h"

namespace fccl {

fcclResult_t resultFromCode(Code code) {
  switch (code) {
    case Code::kOk: return fcclSuccess;
    case Code::kInvalidArgument: return fcclInvalidArgument;
    case Code::kInvalidUsage: return fcclInvalidUsage;
    case Code::kAborted: return fcclInvalidUsage;
    case Code::kSystem: return fcclSystemError;
    case Code::kRemote: return fcclRemoteError;
    case Code::kTimeout: return fcclTimeout;
    case Code::kInProgress: return fcclInProgress;
    case Code::kBusy:
    case Code::kInternal: return fcclInternalError;
  }
  return fcclInternalError;
}

Code codeFromResult(fcclResult_t result) {
  switch (result) {
    case fcclSuccess: return Code::kOk;
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

}  // namespace fccl
