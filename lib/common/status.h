// Errors inside fccl are values. A Status is a code plus a message; each layer adds context on
// the way up (`std::move(s).context("allreduce #3")`), so the message that reaches the user tells
// the whole story. Only lib/api maps a Status to an fcclResult_t.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace fccl {

enum class Code { kOk, kBusy, kInvalidArgument, kInvalidUsage, kSystem, kRemote, kTimeout, kAborted, kInternal, kInProgress };

std::string_view codeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status ok() { return Status(); }

  bool isOk() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // Prefixes the message with `where`: "where: message". Returns a new Status (not a
  // reference), so `s = std::move(s).context(...)` is safe.
  Status context(std::string_view where) && {
    if (!isOk()) message_ = std::string(where) + ": " + message_;
    return std::move(*this);
  }

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// A Status for a failed system call: "what: strerror(errno)".
Status systemError(std::string_view what, int err);

}  // namespace fccl

#define FCCL_TRY(expr)                           \
  do {                                           \
    if (auto s_ = (expr); !s_.isOk()) return s_; \
  } while (0)
