#include "comm/registrations.h"

#include <string>

#include "device/host_device.h"

namespace fccl {

Expected<void*> Registrations::add(void* buffer, size_t bytes) {
  if (buffer == nullptr) return Status(Code::kInvalidArgument, "buff is NULL");
  if (bytes == 0) return Status(Code::kInvalidArgument, "size is 0");
  const auto begin = reinterpret_cast<uintptr_t>(buffer);
  if (begin + bytes < begin) return Status(Code::kInvalidArgument, "buffer extends past the end of the address space");
  auto mapping = findPeerMapping(buffer);
  auto entry = std::make_unique<Registration>(
      Registration{static_cast<const std::byte*>(buffer), bytes, mapping.has_value() && mapping->bytes >= bytes});
  void* handle = entry.get();
  std::lock_guard lock(mutex_);
  byHandle_.emplace(handle, std::move(entry));
  return handle;
}

Status Registrations::remove(void* handle) {
  std::lock_guard lock(mutex_);
  if (byHandle_.erase(handle) == 0)
    return Status(Code::kInvalidArgument, "handle is not a registration of this communicator (deregistered already?)");
  return Status::ok();
}

std::optional<Registration> Registrations::find(const void* ptr, size_t bytes) const {
  const auto* p = static_cast<const std::byte*>(ptr);
  std::lock_guard lock(mutex_);
  for (const auto& [handle, r] : byHandle_)
    if (p >= r->base && bytes <= r->bytes && static_cast<size_t>(p - r->base) <= r->bytes - bytes) return *r;
  return std::nullopt;
}

size_t Registrations::size() const {
  std::lock_guard lock(mutex_);
  return byHandle_.size();
}

}  // namespace fccl
