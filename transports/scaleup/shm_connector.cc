#include "transports/scaleup/shm_connector.h"

#include <string>

namespace fccl {

ShmRecvConnector::ShmRecvConnector(SharedMapping segment, PeerWatch sender)
    : segment_(std::move(segment)), sender_(std::move(sender)) {
  slots_ = static_cast<std::byte*>(segment_.data()) + sizeof(FifoHeader);
  slotCount_ = header()->slots;
  slotBytes_ = header()->slotBytes;
}

std::optional<std::span<const std::byte>> ShmRecvConnector::peek() {
  if (head_ == knownTail_) {
    knownTail_ = header()->tail.load(std::memory_order_acquire);
    if (head_ == knownTail_) return std::nullopt;
    // The counters are the peer's to write: a tail behind our head or more than a FIFO ahead
    // is corruption, and nothing past it can be trusted.
    if (knownTail_ < head_ || knownTail_ - head_ > slotCount_) {
      corruption_ = Status(Code::kRemote, "shm FIFO corrupted by the sender: tail " + std::to_string(knownTail_) +
                                              ", head " + std::to_string(head_));
      knownTail_ = head_;
      return std::nullopt;
    }
  }
  const uint32_t slot = static_cast<uint32_t>(head_ % slotCount_);
  const uint64_t bytes = header()->chunkBytes[slot];
  if (bytes > slotBytes_) {
    corruption_ = Status(Code::kRemote, "shm chunk of " + std::to_string(bytes) + " bytes exceeds the " +
                                            std::to_string(slotBytes_) + "-byte slot");
    knownTail_ = head_;
    return std::nullopt;
  }
  return std::span<const std::byte>(slots_ + slot * slotBytes_, bytes);
}

void ShmRecvConnector::release() {
  ++head_;
  header()->head.store(head_, std::memory_order_release);
}

Status ShmRecvConnector::health() {
  if (!corruption_.isOk()) return corruption_;
  Status sender = sender_.check();
  // A sender may commit its last chunk and exit before we look: what it left in the FIFO is
  // still ours to read. Only a dead sender and an empty FIFO (read after the death was seen,
  // so nothing more can come) is a failure.
  if (!sender.isOk() && header()->tail.load(std::memory_order_acquire) != head_) return Status::ok();
  return sender;
}

ShmSendConnector::ShmSendConnector(SharedMapping segment, PeerWatch receiver)
    : segment_(std::move(segment)), receiver_(std::move(receiver)) {
  slots_ = static_cast<std::byte*>(segment_.data()) + sizeof(FifoHeader);
  slotCount_ = header()->slots;
  slotBytes_ = header()->slotBytes;
}

std::span<std::byte> ShmSendConnector::acquire() {
  if (tail_ - knownHead_ >= slotCount_) {
    knownHead_ = header()->head.load(std::memory_order_acquire);
    if (tail_ - knownHead_ >= slotCount_) return {};
  }
  const uint32_t slot = static_cast<uint32_t>(tail_ % slotCount_);
  return std::span<std::byte>(slots_ + slot * slotBytes_, slotBytes_);
}

void ShmSendConnector::commit(size_t bytes) {
  bytesCommitted_ += bytes;
  const uint32_t slot = static_cast<uint32_t>(tail_ % slotCount_);
  header()->chunkBytes[slot] = bytes;
  ++tail_;
  header()->tail.store(tail_, std::memory_order_release);
}

}  // namespace fccl
