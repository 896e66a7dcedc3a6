#include "transports/scaleup/ll_connector.h"

#include <atomic>
#include <cstring>
#include <string>

namespace fccl {
namespace {

// Lines live in memory both processes map; each 8-byte word is read and written whole.
uint64_t loadWord(uint64_t* word) { return std::atomic_ref<uint64_t>(*word).load(std::memory_order_relaxed); }
void storeWord(uint64_t* word, uint64_t value) { std::atomic_ref<uint64_t>(*word).store(value, std::memory_order_relaxed); }
uint32_t flagOf(uint64_t word) { return static_cast<uint32_t>(word >> 32); }

uint64_t* slotWordsIn(void* segment, size_t slotBytes, uint32_t slots, uint64_t index) {
  auto* lines = reinterpret_cast<std::byte*>(segment) + sizeof(LlHeader);
  return reinterpret_cast<uint64_t*>(lines + (index % slots) * llSlotLines(slotBytes) * kLlLineBytes);
}

}  // namespace

LlRecvConnector::LlRecvConnector(SharedMapping segment, PeerWatch sender)
    : segment_(std::move(segment)), sender_(std::move(sender)), slotCount_(header()->slots),
      slotBytes_(header()->slotBytes), staging_(header()->slotBytes) {}

uint64_t* LlRecvConnector::slotWords(uint64_t index) const {
  return slotWordsIn(segment_.data(), slotBytes_, slotCount_, index);
}

std::optional<std::span<const std::byte>> LlRecvConnector::peek() {
  if (!corruption_.isOk()) return std::nullopt;
  const uint32_t flag = llFlag(head_);
  uint64_t* words = slotWords(head_);
  if (!counted_) {
    const uint64_t count = loadWord(&words[0]);
    if (flagOf(count) != flag || flagOf(loadWord(&words[1])) != flag) return std::nullopt;
    // The count is the peer's to write: nothing past a count larger than the slot is trusted.
    chunkBytes_ = static_cast<uint32_t>(count);
    if (chunkBytes_ > slotBytes_) {
      corruption_ = Status(Code::kRemote, "LL chunk of " + std::to_string(chunkBytes_) + " bytes exceeds the " +
                                              std::to_string(slotBytes_) + "-byte slot");
      return std::nullopt;
    }
    counted_ = true;
  }
  const size_t lines = (chunkBytes_ + kLlDataPerLine - 1) / kLlDataPerLine;
  for (; linesSeen_ < lines; ++linesSeen_) {
    uint64_t* line = &words[2 * (1 + linesSeen_)];
    const uint64_t low = loadWord(&line[0]), high = loadWord(&line[1]);
    if (flagOf(low) != flag || flagOf(high) != flag) return std::nullopt;  // not all here yet
    const uint32_t data[2] = {static_cast<uint32_t>(low), static_cast<uint32_t>(high)};
    std::memcpy(staging_.data() + linesSeen_ * kLlDataPerLine, data, kLlDataPerLine);
  }
  return std::span<const std::byte>(staging_.data(), chunkBytes_);
}

void LlRecvConnector::release() {
  ++head_;
  counted_ = false;
  linesSeen_ = 0;
  header()->head.store(head_, std::memory_order_release);
}

Status LlRecvConnector::health() {
  if (!corruption_.isOk()) return corruption_;
  Status sender = sender_.check();
  // Lines the sender wrote before it died are still ours to read.
  if (!sender.isOk() && flagOf(loadWord(&slotWords(head_)[0])) == llFlag(head_)) return Status::ok();
  return sender;
}

LlSendConnector::LlSendConnector(SharedMapping segment, PeerWatch receiver)
    : segment_(std::move(segment)), receiver_(std::move(receiver)), slotCount_(header()->slots),
      slotBytes_(header()->slotBytes), staging_(header()->slotBytes) {}

std::span<std::byte> LlSendConnector::acquire() {
  if (tail_ - knownHead_ >= slotCount_) {
    knownHead_ = header()->head.load(std::memory_order_acquire);
    if (tail_ - knownHead_ >= slotCount_) return {};
  }
  return std::span<std::byte>(staging_.data(), slotBytes_);
}

void LlSendConnector::commit(size_t bytes) {
  bytesCommitted_ += bytes;
  const uint32_t flag = llFlag(tail_);
  uint64_t* words = slotWordsIn(segment_.data(), slotBytes_, slotCount_, tail_);
  const size_t full = bytes / kLlDataPerLine;
  for (size_t i = 0; i < full; ++i) {
    uint32_t data[2];
    std::memcpy(data, staging_.data() + i * kLlDataPerLine, kLlDataPerLine);
    storeWord(&words[2 * (1 + i)], llWord(data[0], flag));
    storeWord(&words[2 * (1 + i) + 1], llWord(data[1], flag));
  }
  if (const size_t rest = bytes % kLlDataPerLine; rest > 0) {
    uint32_t data[2] = {0, 0};
    std::memcpy(data, staging_.data() + full * kLlDataPerLine, rest);
    storeWord(&words[2 * (1 + full)], llWord(data[0], flag));
    storeWord(&words[2 * (1 + full) + 1], llWord(data[1], flag));
  }
  storeWord(&words[0], llWord(static_cast<uint32_t>(bytes), flag));
  storeWord(&words[1], llWord(0, flag));
  ++tail_;
}

}  // namespace fccl
