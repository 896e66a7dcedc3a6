#include "harness/comm_fixture.h"

#include <stdexcept>

namespace fccl::test {

std::string failure(const char* what, fcclResult_t result) {
  return std::string(what) + " failed: " + fcclGetErrorString(result) + ": " + fcclGetLastError(nullptr);
}

fcclUniqueId newUniqueId() {
  fcclUniqueId id;
  fcclResult_t r = fcclGetUniqueId(&id);
  if (r != fcclSuccess) throw std::runtime_error(failure("fcclGetUniqueId", r));
  return id;
}

}  // namespace fccl::test
