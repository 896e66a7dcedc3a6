#include "common/status.h"

#include <cstring>

namespace fccl {

const std::string& Status::empty() {
  static const std::string none;
  return none;
}

std::string_view codeName(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kBusy: return "busy";
    case Code::kInvalidArgument: return "invalid argument";
    case Code::kInvalidUsage: return "invalid usage";
    case Code::kSystem: return "system error";
    case Code::kRemote: return "remote error";
    case Code::kTimeout: return "timeout";
    case Code::kAborted: return "aborted";
    case Code::kInternal: return "internal error";
    case Code::kInProgress: return "in progress";
  }
  return "unknown";
}

Status systemError(std::string_view what, int err) {
  char buf[128];
  // GNU strerror_r returns the message pointer, which may or may not be buf.
  const char* text = strerror_r(err, buf, sizeof(buf));
  return Status(Code::kSystem, std::string(what) + ": " + text);
}

}  // namespace fccl
