// Scale-up connectors: the two ends of one FIFO in peer-mapped memory (see shm_fifo.h).
#pragma once

#include "transports/scaleup/peer_watch.h"
#include "transports/scaleup/shared_mapping.h"
#include "transports/scaleup/shm_fifo.h"
#include "transports/transport.h"

namespace fccl {

class ShmRecvConnector final : public RecvConnector {
 public:
  ShmRecvConnector(SharedMapping segment, PeerWatch sender);
  std::optional<std::span<const std::byte>> peek() override;
  void release() override;
  Status health() override;
  std::string_view name() const override { return "shm"; }

 private:
  FifoHeader* header() const { return static_cast<FifoHeader*>(segment_.data()); }
  SharedMapping segment_;
  PeerWatch sender_;
  std::byte* slots_;
  uint32_t slotCount_;
  size_t slotBytes_;
  uint64_t head_ = 0;        // our copy of header()->head
  uint64_t knownTail_ = 0;   // the sender's tail as last read
  Status corruption_;        // what the peer broke, reported by health()
};

class ShmSendConnector final : public SendConnector {
 public:
  ShmSendConnector(SharedMapping segment, PeerWatch receiver);
  std::span<std::byte> acquire() override;
  void commit(size_t bytes) override;
  size_t slotBytes() const override { return slotBytes_; }
  Status health() override { return receiver_.check(); }
  std::string_view name() const override { return "shm"; }

 private:
  FifoHeader* header() const { return static_cast<FifoHeader*>(segment_.data()); }
  SharedMapping segment_;
  PeerWatch receiver_;
  std::byte* slots_;
  uint32_t slotCount_;
  size_t slotBytes_;
  uint64_t tail_ = 0;       // our copy of header()->tail
  uint64_t knownHead_ = 0;  // the receiver's head as last read
};

}  // namespace fccl
