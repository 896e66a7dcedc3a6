#include "common/plugin_hooks.h"

#include <utility>

#include "common/result_code.h"

namespace fccl::plugin {
namespace {
thread_local std::string* tCapture = nullptr;
}

HookCapture::HookCapture() : previous_(std::exchange(tCapture, &text_)) {}
HookCapture::~HookCapture() { tCapture = previous_; }

void forwardLog(fcclLogLevel_t level, const char* message, Subsys subsys, const char* who) {
  if (!message) return;
  if (level == fcclLogWarn && tCapture) {
    if (!tCapture->empty()) *tCapture += "; ";
    *tCapture += message;
    FCCL_TRACE(subsys, "%s: %s", who, message);
    return;
  }
  const LogLevel ours = level == fcclLogWarn ? LogLevel::kWarn : level == fcclLogInfo ? LogLevel::kInfo : LogLevel::kTrace;
  FCCL_LOG(ours, subsys, "%s: %s", who, message);
}

Status hookFailure(std::string_view kind, std::string_view name, const char* hook, fcclResult_t result,
                   const std::string& logged) {
  std::string message =
      std::string(kind) + " '" + std::string(name) + "' " + hook + " failed (" + resultName(result) + ")";
  if (!logged.empty()) message += ": " + logged;
  return Status(codeFromResult(result), std::move(message));
}

Status firstMissing(const std::string& where, std::initializer_list<HookField> hooks) {
  for (const auto& hook : hooks)
    if (!hook.present) return Status(Code::kInvalidUsage, where + "hook '" + hook.field + "' is NULL");
  return Status::ok();
}

}  // namespace fccl::plugin
