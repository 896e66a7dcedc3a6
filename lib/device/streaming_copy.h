// Copies that bypass the cache on their way to memory. A multicast store writes each byte to
// every member once and nobody on this core reads it again soon: an ordinary store first reads
// the destination line into the cache (read for ownership), a third of the memory traffic of a
// copy. Non-temporal stores write whole lines without reading them.
//  - nonTemporalCopy copies with non-temporal stores, whatever the size.
//  - streamingMinBytes() is where the kernels start to use it: below, what fits in the shared
//    cache is read from there by a peer soon (a staged round copied out of the window, a result
//    the application reads next), and bypassing the cache would cost a trip to memory instead
//    of saving one.
//  - Non-temporal stores are weakly ordered: streamingFence orders them before any later store,
//    such as the flag that tells a peer the data is there. Call it before returning to the caller.
// Where the CPU has no such stores the copy is a memcpy and the fence does nothing.
#pragma once

#include <cstddef>

namespace fccl {

// FCCL_NT_MIN_BYTES, else a quarter of the last-level cache (at least 1 MiB); read once.
size_t streamingMinBytes();
// Replaces it (tests exercise the streaming path on small buffers).
void setStreamingMinBytes(size_t bytes);

void nonTemporalCopy(void* dst, const void* src, size_t bytes);
void streamingFence();

}  // namespace fccl
