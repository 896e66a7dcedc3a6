// Host device memory that peers can map: the model of accelerator memory exported over a
// scale-up fabric. Every allocation is its own memfd (mode 0600, close-on-exec) mapped
// MAP_SHARED, so another process of the same user maps the very same pages by opening
// /proc/<pid>/fd/<fd> of the owner (SharedMapping::open in transports/scaleup does exactly this).
// A process-wide registry, keyed by base address, remembers each allocation's fd and size: free
// needs them, and so does a transport that is handed a user pointer and must tell a peer where
// its bytes live.
//
// Costs: one fd and at least one page per allocation (zero bytes map one page, so they still get
// a unique address), so this suits buffers, not many tiny objects.
// Thread safety: all functions may be called from any thread at once.
#pragma once

#include <cstddef>
#include <optional>

#include "common/expected.h"
#include "common/status.h"

namespace fccl {

// Where a pointer lives, as a peer must be told: the allocation's fd in this process, the offset
// of the pointer in it, and the bytes from the pointer to the end of the allocation. The fd
// stays valid (and the numbers true) only until the allocation is freed.
struct PeerMapping {
  int fd;
  size_t offset;
  size_t bytes;
};

// The mapping of any pointer inside a live allocation of hostMemoryAlloc (its base included);
// nullopt for any other pointer.
std::optional<PeerMapping> findPeerMapping(const void* ptr);

// Zeroed, page-aligned memory of `bytes` (one page when 0), mapped from a new memfd.
Expected<void*> hostMemoryAlloc(size_t bytes);
// Unmaps and closes an allocation. NULL is fine; a pointer that is not the base of a live
// allocation is kInvalidArgument and changes nothing.
Status hostMemoryFree(void* ptr);

}  // namespace fccl
