// The sweep's buffers: page-aligned host memory (4096-byte alignment as device allocators
// give) by default, or memory from a BufferSource (fccl-perf -R 1: fcclMemAlloc, registered
// with the communicator). Touched once so first-use page faults stay out of the timings.
#pragma once

#include <cstdlib>
#include <cstring>
#include <utility>

namespace fccl::perf {

// Where a tool takes its buffers from when it has memory of its own to offer.
class BufferSource {
 public:
  virtual ~BufferSource() = default;
  // `bytes` (> 0) of memory, or nullptr when there is none.
  virtual char* allocate(size_t bytes) = 0;
  virtual void release(char* data) = 0;
};

class AlignedBuffer {
 public:
  static constexpr size_t kAlignment = 4096;

  // At least one page, so even a 0-byte sweep has a valid pointer; data() is null when out of
  // memory. `source` (may be null: aligned host memory) must outlive the buffer.
  explicit AlignedBuffer(size_t bytes, BufferSource* source = nullptr)
      : size_((bytes + kAlignment - 1) / kAlignment * kAlignment), source_(source) {
    if (size_ == 0) size_ = kAlignment;
    data_ = source_ ? source_->allocate(size_) : static_cast<char*>(std::aligned_alloc(kAlignment, size_));
    if (data_) std::memset(data_, 0, size_);
  }
  AlignedBuffer(AlignedBuffer&& other) noexcept
      : size_(other.size_), source_(other.source_), data_(std::exchange(other.data_, nullptr)) {}
  AlignedBuffer& operator=(AlignedBuffer&& other) noexcept {
    if (this != &other) {
      release();
      size_ = other.size_;
      source_ = other.source_;
      data_ = std::exchange(other.data_, nullptr);
    }
    return *this;
  }
  ~AlignedBuffer() { release(); }
  char* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  void release() {
    if (!data_) return;
    if (source_) source_->release(data_);
    else std::free(data_);
    data_ = nullptr;
  }
  size_t size_;
  BufferSource* source_;
  char* data_ = nullptr;
};

}  // namespace fccl::perf
