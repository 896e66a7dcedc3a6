// Buffers the application registered with a communicator (fcclCommRegister): their ranges and,
// for memory from fcclMemAlloc, how a peer on the scale-up fabric maps them. Handles are
// checked against the table, so a stale or foreign handle is an error, not a crash.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "common/expected.h"

namespace fccl {

struct Registration {
  const std::byte* base;
  size_t bytes;
  bool peerMappable;  // inside an fcclMemAlloc allocation: a peer can map it without a copy
};

class Registrations {
 public:
  Expected<void*> add(void* buffer, size_t bytes);
  Status remove(void* handle);
  // The registration that covers [ptr, ptr+bytes) entirely, if any.
  std::optional<Registration> find(const void* ptr, size_t bytes) const;
  size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::map<const void*, std::unique_ptr<Registration>> byHandle_;
};

}  // namespace fccl
