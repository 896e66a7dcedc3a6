// Time bounds of the fault tests, stretched under a sanitizer that slows every instruction.
// FCCL_TEST_SLOWDOWN (a factor >= 1, set by scripts/test.sh --sanitize thread) multiplies the
// slack a test allows on top of what fccl promises; a plain build runs with 1, the promise itself.
#pragma once

#include <cstdint>
#include <cstdlib>

namespace fccl::test {

inline int64_t slowdown() {
  const char* v = std::getenv("FCCL_TEST_SLOWDOWN");
  const long factor = v ? std::strtol(v, nullptr, 10) : 1;
  return factor >= 1 && factor <= 100 ? factor : 1;
}

// `ms` of slack, stretched.
inline int64_t slackMs(int64_t ms) { return ms * slowdown(); }

}  // namespace fccl::test
