// Runs a body that returns a Status and turns whatever it throws into one: nothing thrown may
// cross the C boundary or end a worker thread. `where` names the body in the message
// ("" or " in stream work").
#pragma once

#include <exception>
#include <new>
#include <string>
#include <string_view>

#include "common/status.h"

namespace fccl {

template <typename Body>
Status catching(Body&& body, std::string_view where = {}) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return Status(Code::kSystem, "out of memory" + std::string(where));
  } catch (const std::exception& e) {
    return Status(Code::kInternal, "unexpected exception" + std::string(where) + ": " + e.what());
  } catch (...) {
    return Status(Code::kInternal, "unexpected exception" + std::string(where));
  }
}

}  // namespace fccl
