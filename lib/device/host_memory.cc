#include "device/host_memory.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <map>
#include <mutex>
#include <new>
#include <string>
#include <utility>

#include "common/unique_fd.h"

namespace fccl {
namespace {

// One allocation: its memfd and its mapping, released together (munmap, then close).
class Allocation {
 public:
  Allocation(UniqueFd fd, void* base, size_t bytes) : fd_(std::move(fd)), base_(base), bytes_(bytes) {}
  Allocation(Allocation&& other) noexcept
      : fd_(std::move(other.fd_)), base_(std::exchange(other.base_, nullptr)), bytes_(other.bytes_) {}
  Allocation& operator=(Allocation&&) = delete;
  ~Allocation() {
    if (base_) munmap(base_, bytes_);
  }

  int fd() const { return fd_.get(); }
  size_t bytes() const { return bytes_; }

 private:
  UniqueFd fd_;
  void* base_;
  size_t bytes_;
};

struct Registry {
  std::mutex mutex;
  std::map<uintptr_t, Allocation> byBase;
};

// Never destroyed: memory may be freed (or looked up) by other threads or static destructors
// while the process exits, after a function-local static registry would already be gone.
Registry& registry() {
  static Registry* instance = new Registry;
  return *instance;
}

std::string hex(const void* ptr) {
  char text[32];
  std::snprintf(text, sizeof(text), "%p", ptr);
  return text;
}

}  // namespace

std::optional<PeerMapping> findPeerMapping(const void* ptr) {
  const auto address = reinterpret_cast<uintptr_t>(ptr);
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  auto next = r.byBase.upper_bound(address);  // the first allocation starting after ptr
  if (next == r.byBase.begin()) return std::nullopt;
  const auto& [base, allocation] = *std::prev(next);
  const size_t offset = address - base;
  if (offset >= allocation.bytes()) return std::nullopt;
  return PeerMapping{allocation.fd(), offset, allocation.bytes() - offset};
}

Expected<void*> hostMemoryAlloc(size_t bytes) {
  // A zero-byte allocation still needs its own address (and a file a peer could map): one page.
  const size_t mapped = bytes == 0 ? static_cast<size_t>(sysconf(_SC_PAGESIZE)) : bytes;
  const std::string what = std::to_string(bytes) + " bytes";
  if (mapped > static_cast<size_t>(INT64_MAX)) return Status(Code::kInvalidArgument, what + " is too large to map");
  UniqueFd fd(memfd_create("fccl-mem", MFD_CLOEXEC));
  if (!fd.valid()) return systemError("memfd_create for " + what, errno);
  // Only this user's processes may open it through /proc/<pid>/fd (memfds start out as 0777).
  if (fchmod(fd.get(), 0600) != 0) return systemError("fchmod 0600 of the memfd for " + what, errno);
  if (ftruncate(fd.get(), static_cast<off_t>(mapped)) != 0)
    return systemError("ftruncate of a memfd to " + what, errno);
  void* base = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (base == MAP_FAILED) return systemError("mmap of " + what, errno);
  Allocation allocation(std::move(fd), base, mapped);
  try {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    r.byBase.emplace(reinterpret_cast<uintptr_t>(base), std::move(allocation));
  } catch (const std::bad_alloc&) {  // `allocation` unmaps and closes on the way out
    return Status(Code::kSystem, "out of memory recording an allocation of " + what);
  }
  return base;
}

Status hostMemoryFree(void* ptr) {
  if (!ptr) return Status::ok();
  Registry& r = registry();
  std::unique_lock lock(r.mutex);
  auto node = r.byBase.extract(reinterpret_cast<uintptr_t>(ptr));
  lock.unlock();  // munmap and close (when `node` dies) need no lock
  if (!node.empty()) return Status::ok();
  const char* why = " is not the start of a live allocation (freed already, or not from memAlloc?)";
  return Status(Code::kInvalidArgument, "pointer " + hex(ptr) + why);
}

}  // namespace fccl
