#include "moe/staging_pool.h"

#include <algorithm>
#include <mutex>
#include <utility>
#include <vector>

namespace fccl {
namespace {

constexpr size_t kKept = 4;  // a dispatch's layout and the next one's, for a couple of layers

struct Kept {
  std::unique_ptr<std::byte[]> memory;
  size_t capacity;
};

struct Pool {
  std::mutex mutex;
  std::vector<Kept> kept;
};

Pool& pool() {
  static Pool* p = std::make_unique<Pool>().release();  // never destroyed: buffers may come back at exit
  return *p;
}

void giveBack(std::unique_ptr<std::byte[]> memory, size_t capacity) {
  if (!memory) return;
  Pool& p = pool();
  std::lock_guard lock(p.mutex);
  p.kept.push_back({std::move(memory), capacity});
  if (p.kept.size() > kKept)  // the smallest goes: the large ones are the costly ones to remake
    p.kept.erase(std::min_element(p.kept.begin(), p.kept.end(),
                                  [](const Kept& a, const Kept& b) { return a.capacity < b.capacity; }));
}

}  // namespace

StagingBuffer& StagingBuffer::operator=(StagingBuffer&& other) noexcept {
  if (this != &other) {
    giveBack(std::move(memory_), capacity_);
    memory_ = std::move(other.memory_);
    capacity_ = std::exchange(other.capacity_, 0);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

StagingBuffer::~StagingBuffer() { giveBack(std::move(memory_), capacity_); }

StagingBuffer acquireStaging(size_t bytes) {
  if (bytes == 0) return {};
  {
    Pool& p = pool();
    std::lock_guard lock(p.mutex);
    auto best = p.kept.end();
    for (auto it = p.kept.begin(); it != p.kept.end(); ++it)
      if (it->capacity >= bytes && (best == p.kept.end() || it->capacity < best->capacity)) best = it;
    if (best != p.kept.end()) {
      Kept found = std::move(*best);
      p.kept.erase(best);
      return StagingBuffer(std::move(found.memory), found.capacity, bytes);
    }
  }
  return StagingBuffer(std::make_unique_for_overwrite<std::byte[]>(bytes), bytes, bytes);
}

}  // namespace fccl
