#include "runtime/call_label.h"

#include "common/dtype.h"

namespace fccl {

std::string_view CallLabel::kind() const {
  switch (kind_) {
    case Kind::kCollective: return collectiveName(collective_);
    case Kind::kPointToPoint: return "send/recv";
    case Kind::kText: break;
  }
  const std::string_view text = text_;
  return text.substr(0, text.find(' '));
}

std::string CallLabel::format() const {
  if (kind_ == Kind::kPointToPoint)
    return "send/recv group #" + std::to_string(seq_) + " (" + std::to_string(count_) + " send(s), " +
           std::to_string(recvs_) + " recv(s))";
  const std::string count = collective_ == Collective::kAllToAllv ? "" : std::to_string(count_) + " x ";
  return std::string(collectiveName(collective_)) + " #" + std::to_string(seq_) + " (" + count +
         std::string(typeName(type_)) + ")";
}

}  // namespace fccl
