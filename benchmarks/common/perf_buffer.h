// Page-aligned host buffers standing in for device memory: 4096-byte alignment as device
// allocators give, touched once so first-use page faults stay out of the timings.
#pragma once

#include <cstdlib>
#include <cstring>
#include <memory>

namespace fccl::perf {

class AlignedBuffer {
 public:
  static constexpr size_t kAlignment = 4096;

  // At least one page, so even a 0-byte sweep has a valid pointer; data() is null when out of
  // memory.
  explicit AlignedBuffer(size_t bytes) : size_((bytes + kAlignment - 1) / kAlignment * kAlignment) {
    if (size_ == 0) size_ = kAlignment;
    data_.reset(static_cast<char*>(std::aligned_alloc(kAlignment, size_)));
    if (data_) std::memset(data_.get(), 0, size_);
  }
  char* data() const { return data_.get(); }
  size_t size() const { return size_; }

 private:
  struct Free {
    void operator()(char* p) const { std::free(p); }
  };
  size_t size_;
  std::unique_ptr<char, Free> data_;
};

}  // namespace fccl::perf
