// The Simple protocol's FIFO, in a segment the receiver owns and the sender maps.
//
//   [ FifoHeader | slot 0 | slot 1 | ... | slot S-1 ]
//
// `tail` counts chunks the sender has committed, `head` chunks the receiver has released; slot
// i % S holds chunk i. The sender writes a slot only while tail - head < S, stores the chunk's
// size, then publishes it with a release store of tail; the receiver's acquire load of tail
// makes the data visible. Release of head hands the slot back the same way. Each counter has its
// own cache line so the two sides never write to one line.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace fccl {

constexpr uint64_t kFifoMagic = 0x6663636c66696630ull;  // "fcclfif0"
constexpr uint32_t kFifoVersion = 1;
constexpr uint32_t kMaxFifoSlots = 64;

struct alignas(64) FifoHeader {
  uint64_t magic;
  uint32_t version;
  uint32_t slots;
  uint64_t slotBytes;
  uint64_t token;  // random, also in the handle: proves the sender mapped the segment it was told of
  alignas(64) std::atomic<uint64_t> tail;
  alignas(64) std::atomic<uint64_t> head;
  alignas(64) uint64_t chunkBytes[kMaxFifoSlots];  // written by the sender before it moves tail
};
static_assert(std::atomic<uint64_t>::is_always_lock_free, "FIFO counters must be lock-free across processes");

inline size_t fifoSegmentBytes(uint32_t slots, size_t slotBytes) { return sizeof(FifoHeader) + slots * slotBytes; }

// What the receiver tells the sender so that it can map the FIFO.
struct ShmHandle {
  uint64_t magic;
  uint32_t version;
  int32_t pid;
  int32_t fd;
  uint32_t slots;
  uint64_t slotBytes;
  uint64_t segmentBytes;
  uint64_t token;
};

}  // namespace fccl
