// Errors inside fccl are values. A Status is a code plus a message; each layer adds context on
// the way up (`std::move(s).context("allreduce #3")`), so the message that reaches the user tells
// the whole story. Only lib/api maps a Status to an fcclResult_t.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace fccl {

enum class Code { kOk, kBusy, kInvalidArgument, kInvalidUsage, kSystem, kRemote, kTimeout, kAborted, kInternal, kInProgress };

std::string_view codeName(Code code);

// An ok Status is a code and a null pointer: the success path, which every call takes through
// many layers, moves 16 bytes and never touches a string.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message)
      : code_(code), message_(code == Code::kOk && message.empty() ? nullptr
                                                                   : std::make_unique<std::string>(std::move(message))) {}
  Status(const Status& other)
      : code_(other.code_), message_(other.message_ ? std::make_unique<std::string>(*other.message_) : nullptr) {}
  Status(Status&&) noexcept = default;
  Status& operator=(const Status& other) {
    if (this != &other) *this = Status(other);
    return *this;
  }
  Status& operator=(Status&&) noexcept = default;
  static Status ok() { return Status(); }

  bool isOk() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_ ? *message_ : empty(); }

  // Prefixes the message with `where`: "where: message". Returns a new Status (not a
  // reference), so `s = std::move(s).context(...)` is safe.
  Status context(std::string_view where) && {
    if (!isOk()) {
      std::string text = std::string(where) + ": " + message();
      message_ = std::make_unique<std::string>(std::move(text));
    }
    return std::move(*this);
  }

 private:
  static const std::string& empty();

  Code code_ = Code::kOk;
  std::unique_ptr<std::string> message_;  // null: no message (every ok Status)
};

// A Status for a failed system call: "what: strerror(errno)".
Status systemError(std::string_view what, int err);

}  // namespace fccl

#define FCCL_TRY(expr)                           \
  do {                                           \
    if (auto s_ = (expr); !s_.isOk()) return s_; \
  } while (0)
