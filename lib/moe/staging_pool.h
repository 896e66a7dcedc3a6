// Buffers for a dispatch's packed rows, handed back when a layout goes and reused by the next
// dispatch: a MoE layer dispatches every step with about as many rows as the step before, and a
// fresh buffer of tens of megabytes costs a page fault and a page of zeroes per 4 KiB each time
// (in a measured 16 MiB dispatch, more than half of the CPU time). Process-wide, at most a few
// buffers kept; thread-safe.
#pragma once

#include <cstddef>
#include <memory>

namespace fccl {

// Move-only; its memory goes back to the pool when it is destroyed. Contents are not zeroed.
class StagingBuffer {
 public:
  StagingBuffer() = default;
  StagingBuffer(std::unique_ptr<std::byte[]> memory, size_t capacity, size_t size)
      : memory_(std::move(memory)), capacity_(capacity), size_(size) {}
  StagingBuffer(StagingBuffer&&) noexcept = default;
  StagingBuffer& operator=(StagingBuffer&& other) noexcept;
  ~StagingBuffer();

  std::byte* data() const { return memory_.get(); }
  size_t size() const { return size_; }

 private:
  std::unique_ptr<std::byte[]> memory_;
  size_t capacity_ = 0;
  size_t size_ = 0;
};

// A buffer of at least `bytes`: the smallest kept one that is large enough, else a new one.
StagingBuffer acquireStaging(size_t bytes);

}  // namespace fccl
