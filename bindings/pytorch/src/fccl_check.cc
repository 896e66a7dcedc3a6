#include "fccl_check.h"

#include <c10/util/Exception.h>

namespace fccl::pytorch {

std::string describeFailure(fcclResult_t result, const std::string& what) {
  std::string message = what + " failed (" + fcclGetErrorString(result) + ")";
  // fcclGetLastError ignores its communicator argument: the message belongs to the thread.
  const char* detail = fcclGetLastError(nullptr);
  if (detail != nullptr && detail[0] != '\0') message += std::string(": ") + detail;
  return message;
}

void checkFccl(fcclResult_t result, const std::string& what) {
  TORCH_CHECK(result == fcclSuccess, describeFailure(result, what));
}

}  // namespace fccl::pytorch
