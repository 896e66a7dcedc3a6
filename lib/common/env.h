// Typed reads of FCCL_* environment variables. A malformed value is an error naming the
// variable, never silently a default.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/expected.h"

namespace fccl {

// The value, or nullopt when the variable is unset or empty.
std::optional<std::string> envString(const char* name);
// The integer value, `fallback` when unset, an error when not an integer in [min, max].
Expected<int64_t> envInt(const char* name, int64_t fallback, int64_t min, int64_t max);

}  // namespace fccl
