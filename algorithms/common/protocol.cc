#include "algorithms/common/protocol.h"

#include <cctype>

namespace fccl {

std::optional<Proto> parseProto(std::string_view name) {
  auto equals = [&](std::string_view want) {
    if (name.size() != want.size()) return false;
    for (size_t i = 0; i < name.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(name[i])) != std::tolower(static_cast<unsigned char>(want[i])))
        return false;
    return true;
  };
  if (equals("LL")) return Proto::kLL;
  if (equals("Simple")) return Proto::kSimple;
  return std::nullopt;
}

}  // namespace fccl
