// The handles the API has given out and not yet taken back. A handle is looked up here before
// it is dereferenced, so a stale, foreign or garbage fcclComm_t / fcclStream_t is an error
// message, not a read of freed or unmapped memory.
#pragma once

namespace fccl::api {

void addLiveHandle(const void* handle);
void removeLiveHandle(const void* handle);
bool isLiveHandle(const void* handle);

}  // namespace fccl::api
