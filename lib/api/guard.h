// Every C entry point runs its body through guard(): it catches what must not cross the C
// boundary, maps the Status to an fcclResult_t, logs a failure once, and keeps the message for
// fcclGetLastError. Nothing else in the API layer catches or maps.
#pragma once

#include <utility>

#include "comm/communicator.h"
#include "common/catching.h"
#include "common/status.h"
#include "fccl/fccl.h"

namespace fccl::api {

fcclResult_t toResult(Code code);
// Maps a body's status: logs a failure and keeps its text, as fcclGetLastError returns it.
fcclResult_t finish(const char* function, Status s);

// A template, not a std::function: the body of a small call is inlined, never allocated.
template <typename Body>
fcclResult_t guard(const char* function, Body&& body) {
  Status s = catching(std::forward<Body>(body));
  if (s.isOk() || s.code() == Code::kInProgress) return toResult(s.code());
  return finish(function, std::move(s));
}
// The communicator behind a handle, or an error for null or a handle that is not one.
Expected<Communicator*> asComm(fcclComm_t comm);
const char* lastError();

}  // namespace fccl::api
