// The name of a call in messages and wait reports: "allreduce #3 (1024 x float)". Made for every
// call but formatted only when something reads it (an error, a log line, a hang report): a
// small call must not pay for a string it never shows.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "algorithms/algorithms.h"
#include "fccl/fccl.h"

namespace fccl {

class CallLabel {
 public:
  CallLabel() = default;
  // A collective, the seq'th operation of its communicator; all-to-allv names no count.
  CallLabel(Collective collective, size_t count, fcclDataType_t type, uint64_t seq)
      : kind_(Kind::kCollective), collective_(collective), count_(count), type_(type), seq_(seq) {}
  // A group of sends and receives: "send/recv group #7 (2 send(s), 1 recv(s))".
  static CallLabel pointToPoint(uint64_t seq, size_t sends, size_t recvs) {
    CallLabel label;
    label.kind_ = Kind::kPointToPoint;
    label.seq_ = seq;
    label.count_ = sends;
    label.recvs_ = recvs;
    return label;
  }
  // Any other operation, named by its caller.
  explicit CallLabel(std::string text) : text_(std::move(text)) {}

  // Formats on the first read; not for two threads at once (WaitState reads its copy under its
  // lock).
  const std::string& str() const {
    if (kind_ != Kind::kText && text_.empty()) text_ = format();
    return text_;
  }
  const char* c_str() const { return str().c_str(); }
  // What kind of operation: "alltoallv", "send/recv", or a named one's first word. Never formats.
  std::string_view kind() const;
  // Where a message wants a string: formats.
  operator const std::string&() const { return str(); }

 private:
  std::string format() const;

  enum class Kind { kText, kCollective, kPointToPoint };
  Kind kind_ = Kind::kText;
  Collective collective_{};
  size_t count_ = 0;  // elements; a group's sends
  size_t recvs_ = 0;
  fcclDataType_t type_{};
  uint64_t seq_ = 0;
  mutable std::string text_;
};

}  // namespace fccl
