// fccl reports failures as an fcclResult_t plus a message kept per thread (fcclGetLastError).
// torch reports them as exceptions, which reach Python as RuntimeError. These helpers turn the
// one into the other at the moment of the call, while the message is still this thread's.
#pragma once

#include <string>

#include "fccl/fccl.h"

namespace fccl::pytorch {

// "<what> failed (<result>): <fcclGetLastError>", the text every error of this backend carries,
// so a Python traceback tells what fccl saw. `what` is an operation ("fccl:allreduce") or a call
// ("fcclStreamCreate").
std::string describeFailure(fcclResult_t result, const std::string& what);

// Throws c10::Error with describeFailure() unless `result` is fcclSuccess.
void checkFccl(fcclResult_t result, const std::string& what);

}  // namespace fccl::pytorch
