// Memory that another process on this kernel can map: the model of a scale-up fabric's peer
// memory (an exported device allocation that a peer imports). It is a memfd: it has no name in
// any file system, so nothing can be left behind in /dev/shm, whatever way a process dies. Its
// mode is 0600, so only this user's processes can open it, through /proc/<pid>/fd/<fd> of the
// owner, and only while the owner holds it.
#pragma once

#include <cstddef>
#include <string>

#include "common/expected.h"
#include "common/unique_fd.h"

namespace fccl {

class SharedMapping {
 public:
  // Creates and maps `bytes` of zeroed shared memory owned by this process.
  static Expected<SharedMapping> create(size_t bytes, const char* label);
  // Maps the segment `fd` of process `pid`; fails unless it is exactly `bytes` long.
  static Expected<SharedMapping> open(int pid, int fd, size_t bytes);

  SharedMapping() = default;  // maps nothing
  SharedMapping(SharedMapping&& other) noexcept;
  SharedMapping& operator=(SharedMapping&& other) noexcept;
  SharedMapping(const SharedMapping&) = delete;
  SharedMapping& operator=(const SharedMapping&) = delete;
  ~SharedMapping();

  void* data() const { return data_; }
  size_t size() const { return bytes_; }
  int fd() const { return fd_.get(); }

 private:
  SharedMapping(UniqueFd fd, void* data, size_t bytes) : fd_(std::move(fd)), data_(data), bytes_(bytes) {}
  UniqueFd fd_;
  void* data_ = nullptr;
  size_t bytes_ = 0;
};

}  // namespace fccl
