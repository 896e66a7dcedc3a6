// What every plugin boundary (device, net) needs: calling a hook and turning its result into a
// Status that carries what the plugin logged about the failure, forwarding the rest of its log,
// and naming the first hook a plugin left NULL.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "common/log.h"
#include "common/status.h"
#include "fccl/fccl_device.h"

namespace fccl::plugin {

// While a thread is inside a plugin hook, the warnings the plugin logs are about that call: a
// HookCapture collects them so that they travel up inside the returned Status, read once in
// the error rather than once in the log and again in the error.
class HookCapture {
 public:
  HookCapture();
  ~HookCapture();
  HookCapture(const HookCapture&) = delete;
  HookCapture& operator=(const HookCapture&) = delete;
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::string* previous_;
};

// For a plugin's log callback: a warning inside a hook goes to the capture (and to TRACE), the
// rest to our log under `subsys`, prefixed with `who` ("device plugin", "net plugin").
void forwardLog(fcclLogLevel_t level, const char* message, Subsys subsys, const char* who);

// The Status of a failed hook: "<kind> '<name>' <hook> failed (fcclX): <what it logged>".
Status hookFailure(std::string_view kind, std::string_view name, const char* hook, fcclResult_t result,
                   const std::string& logged);

// Runs one hook, its failure as hookFailure describes it.
template <class Hook>
Status callHook(std::string_view kind, std::string_view name, const char* hook, Hook&& run) {
  HookCapture capture;
  const fcclResult_t result = run();
  if (result == fcclSuccess) return Status::ok();
  return hookFailure(kind, name, hook, result, capture.text());
}

struct HookField {
  const char* field;
  bool present;
};
// kInvalidUsage naming the first hook that is not present, after `where`; ok when all are.
Status firstMissing(const std::string& where, std::initializer_list<HookField> hooks);

}  // namespace fccl::plugin
