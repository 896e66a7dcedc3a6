#include "transports/scaleup/shared_mapping.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cerrno>
#include <utility>

namespace fccl {
namespace {

Expected<void*> mapShared(int fd, size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return systemError("mmap of " + std::to_string(bytes) + " bytes", errno);
  return p;
}

}  // namespace

Expected<SharedMapping> SharedMapping::create(size_t bytes, const char* label) {
  UniqueFd fd(memfd_create(label, MFD_CLOEXEC));
  if (!fd.valid()) return systemError("memfd_create", errno);
  if (fchmod(fd.get(), 0600) != 0) return systemError("fchmod 0600 of shared segment", errno);
  if (ftruncate(fd.get(), static_cast<off_t>(bytes)) != 0)
    return systemError("ftruncate shared segment to " + std::to_string(bytes) + " bytes", errno);
  FCCL_ASSIGN_OR_RETURN(void* data, mapShared(fd.get(), bytes));
  return SharedMapping(std::move(fd), data, bytes);
}

Expected<SharedMapping> SharedMapping::open(int pid, int fd, size_t bytes) {
  const std::string path = "/proc/" + std::to_string(pid) + "/fd/" + std::to_string(fd);
  UniqueFd local(::open(path.c_str(), O_RDWR | O_CLOEXEC));
  if (!local.valid()) return systemError("opening peer segment " + path, errno);
  struct stat st {};
  if (fstat(local.get(), &st) != 0) return systemError("fstat of peer segment " + path, errno);
  if (static_cast<size_t>(st.st_size) != bytes)
    return Status(Code::kRemote, "peer segment " + path + " is " + std::to_string(st.st_size) + " bytes, expected " +
                                     std::to_string(bytes));
  FCCL_ASSIGN_OR_RETURN(void* data, mapShared(local.get(), bytes));
  return SharedMapping(std::move(local), data, bytes);
}

SharedMapping::SharedMapping(SharedMapping&& other) noexcept
    : fd_(std::move(other.fd_)), data_(std::exchange(other.data_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}

SharedMapping& SharedMapping::operator=(SharedMapping&& other) noexcept {
  if (this != &other) {
    if (data_) munmap(data_, bytes_);
    fd_ = std::move(other.fd_);
    data_ = std::exchange(other.data_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

SharedMapping::~SharedMapping() {
  if (data_) munmap(data_, bytes_);
}

}  // namespace fccl
