// Every C entry point runs its body through guard(): it catches what must not cross the C
// boundary, maps the Status to an fcclResult_t, logs a failure once, and keeps the message for
// fcclGetLastError. Nothing else in the API layer catches or maps.
#pragma once

#include <functional>

#include "comm/communicator.h"
#include "common/status.h"
#include "fccl/fccl.h"

namespace fccl::api {

fcclResult_t toResult(Code code);
fcclResult_t guard(const char* function, const std::function<Status()>& body);
// The communicator behind a handle, or an error for null or a handle that is not one.
Expected<Communicator*> asComm(fcclComm_t comm);
const char* lastError();

}  // namespace fccl::api
