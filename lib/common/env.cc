#include "common/env.h"

#include <cerrno>
#include <cstdlib>

namespace fccl {

std::optional<std::string> envString(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

Expected<int64_t> envInt(const char* name, int64_t fallback, int64_t min, int64_t max) {
  auto text = envString(name);
  if (!text) return fallback;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(text->c_str(), &end, 10);
  if (errno != 0 || end == text->c_str() || *end != '\0' || v < min || v > max)
    return Status(Code::kInvalidArgument, std::string(name) + "=" + *text + " is not an integer in [" +
                                              std::to_string(min) + ", " + std::to_string(max) + "]");
  return static_cast<int64_t>(v);
}

}  // namespace fccl
