// Helpers for tests whose ranks build a communicator: the id is made in the parent before the
// ranks are forked, so every child inherits it.
#pragma once

#include <string>

#include "fccl/fccl.h"

namespace fccl::test {

// "fcclX failed: <error string>: <last error>" for a result that is not success.
std::string failure(const char* what, fcclResult_t result);

// A fresh unique id, or throws.
fcclUniqueId newUniqueId();

}  // namespace fccl::test

#define FCCL_TEST_CALL(call)                                                        \
  do {                                                                              \
    fcclResult_t r_ = (call);                                                       \
    if (r_ != fcclSuccess) return ::fccl::test::failure(#call, r_);                 \
  } while (0)
