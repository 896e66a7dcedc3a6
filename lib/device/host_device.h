// The built-in `host` device: the fccl_device.h plugin that fccl uses when no accelerator plugin
// is named. Its memory is ordinary host memory (64-byte aligned, so kernels start on a cache
// line), its copies are memcpy and its reductions are the CPU kernels of reduce_kernels.h.
//
// Behaviour of the hooks beyond the ABI's contract:
// - init allocates a small context that remembers the log callback (which may be NULL); every
//   other hook also accepts ctx == NULL and then reports errors only through its return value.
// - fabricId writes "" (host memory belongs to no scale-up fabric).
// - memAlloc(0) returns a valid, unique 64-byte block, so a zero-byte buffer still has an
//   address that memFree accepts; memFree(NULL) succeeds.
// - All hooks are thread-safe: the context is read-only after init.
#pragma once

#include "fccl/fccl_device.h"

namespace fccl {

// The plugin struct of the host device, valid for the life of the process.
const fcclDevice_v1_t& hostDevicePlugin();

}  // namespace fccl
