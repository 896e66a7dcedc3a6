// The built-in `host` device: the fccl_device.h plugin (ABI 1.2) that fccl uses when no
// accelerator plugin is named. Its memory is host memory that peers can map (host_memory.h), its
// copies are memcpy, its reductions are the CPU kernels of reduce_kernels.h and its streams are
// worker threads (host_stream.h).
//
// Behaviour of the hooks beyond the ABI's contract:
// - init allocates a small context that remembers the log callback (which may be NULL); every
//   other hook also accepts ctx == NULL and then reports errors only through its return value.
// - fabricId writes "" (host memory belongs to no scale-up fabric).
// - memAlloc gives zeroed, page-aligned memory backed by its own memfd; findPeerMapping (declared
//   in host_memory.h, included here) tells where any pointer inside it lives, for a peer to map.
//   memAlloc(0) returns a valid, unique one-page block, so a zero-byte buffer still has an
//   address that memFree accepts; memFree(NULL) succeeds; memFree of anything else that is not
//   an allocation's base is fcclInvalidArgument.
// - All hooks are thread-safe: the context is read-only after init.
#pragma once

#include "device/host_memory.h"
#include "fccl/fccl_device.h"

namespace fccl {

// The plugin struct of the host device, valid for the life of the process.
const fcclDevice_v1_t& hostDevicePlugin();

}  // namespace fccl
