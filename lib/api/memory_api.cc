// C entry points for device memory: the process device's memAlloc/memFree (on the host device,
// memory that peers can map; see lib/device/host_memory.h).
#include <string>

#include "api/guard.h"
#include "device/device.h"

using fccl::Code;
using fccl::Status;
namespace api = fccl::api;

extern "C" {

fcclResult_t fcclMemAlloc(void** ptr, size_t size) {
  return api::guard("fcclMemAlloc", [&] {
    if (!ptr) return Status(Code::kInvalidArgument, "ptr (the output pointer) is NULL");
    *ptr = nullptr;
    FCCL_ASSIGN_OR_RETURN(fccl::Device * device, fccl::Device::process());
    FCCL_ASSIGN_OR_RETURN(*ptr, device->alloc(size));
    return Status::ok();
  });
}

fcclResult_t fcclMemFree(void* ptr) {
  return api::guard("fcclMemFree", [&] {
    if (ptr == nullptr) return Status::ok();  // like free(NULL)
    FCCL_ASSIGN_OR_RETURN(fccl::Device * device, fccl::Device::process());
    return device->free(ptr);
  });
}

}  // extern "C"
