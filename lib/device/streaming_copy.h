// Copies that bypass the cache on their way to memory. A multicast store writes each byte to
// every member once and nobody on this core reads it again soon: an ordinary store first reads
// the destination line into the cache (read for ownership), a third of the memory traffic of a
// copy. Non-temporal stores write whole lines without reading them.
//  - nonTemporalCopy copies with non-temporal stores, whatever the size.
//  - streamingCopy does so from kStreamingMinBytes on, and is a memcpy below it (a small result
//    is read by a peer soon, from the shared cache).
//  - Non-temporal stores are weakly ordered: streamingFence orders them before any later store,
//    such as the flag that tells a peer the data is there. Call it before returning to the caller.
// Where the CPU has no such stores the copy is a memcpy and the fence does nothing.
#pragma once

#include <cstddef>

namespace fccl {

inline constexpr size_t kStreamingMinBytes = 256 * 1024;

void nonTemporalCopy(void* dst, const void* src, size_t bytes);
void streamingCopy(void* dst, const void* src, size_t bytes);
void streamingFence();

}  // namespace fccl
