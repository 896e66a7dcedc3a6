// The LL (low latency) protocol's FIFO, in a segment the receiver owns and the sender maps.
//
//   [ LlHeader | slot 0 | slot 1 | ... | slot S-1 ],  a slot = (1 + L) lines of 16 bytes
//
// A line is two 8-byte words, each 4 bytes of data and a 4-byte flag. The sender writes every
// word of chunk i with flag llFlag(i): the first line of the slot carries the chunk's byte
// count, the next lines 8 bytes of data each. An aligned 8-byte store is atomic, so a reader
// that sees a word's flag sees its data: it polls the lines themselves, with no counter to
// publish and no fence between data and flag. Flags change with every use of a slot, so old
// lines never pass for new ones and nothing needs clearing.
//
// Only flow control keeps a counter: `head` counts chunks the receiver has released (a
// release store), and the sender writes slot i % S only while i - head < S.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace fccl {

constexpr uint64_t kLlMagic = 0x6663636c6c6c6630ull;  // "fcclllf0"
constexpr uint32_t kLlVersion = 2;  // 2: slots start cache lines
constexpr uint32_t kMaxLlSlots = 64;
constexpr size_t kLlLineBytes = 16;
constexpr size_t kLlDataPerLine = 8;

struct alignas(64) LlHeader {
  uint64_t magic;
  uint32_t version;
  uint32_t slots;
  uint64_t slotBytes;  // data bytes a slot carries (a multiple of 8)
  uint64_t token;      // random, also in the handle
  alignas(64) std::atomic<uint64_t> head;
};
static_assert(sizeof(LlHeader) % 64 == 0, "slots must start cache lines");
static_assert(std::atomic<uint64_t>::is_always_lock_free, "LL words must be lock-free across processes");

// A slot's lines, rounded up to whole cache lines: every slot starts a cache line (the header is
// a multiple of 64 bytes), so a small chunk's count and data lines share one cache line and the
// reader waits for one transfer, not two.
inline size_t llSlotLines(size_t slotBytes) {
  constexpr size_t kLinesPerCacheLine = 64 / kLlLineBytes;
  const size_t lines = 1 + (slotBytes + kLlDataPerLine - 1) / kLlDataPerLine;
  return (lines + kLinesPerCacheLine - 1) / kLinesPerCacheLine * kLinesPerCacheLine;
}
inline size_t llSegmentBytes(uint32_t slots, size_t slotBytes) {
  return sizeof(LlHeader) + slots * llSlotLines(slotBytes) * kLlLineBytes;
}
// The flag of chunk `index`: never 0, the value of memory no chunk has written yet.
inline uint32_t llFlag(uint64_t index) { return static_cast<uint32_t>(index % 0xffffffffull) + 1; }
inline uint64_t llWord(uint32_t data, uint32_t flag) { return static_cast<uint64_t>(flag) << 32 | data; }

// The receiver describes the FIFO to the sender with a ShmHandle (shm_fifo.h) of its own magic.

}  // namespace fccl
