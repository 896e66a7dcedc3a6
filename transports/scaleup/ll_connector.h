// Scale-up connectors of the LL protocol: the two ends of one LL FIFO (see ll_fifo.h). The
// sender's slot is a private staging buffer that commit() writes out as lines; the receiver
// polls the lines of the next chunk and unpacks them into its own staging buffer, which peek()
// returns. Both keep their staging buffer for life: nothing allocates per chunk.
#pragma once

#include <vector>

#include "transports/scaleup/ll_fifo.h"
#include "transports/scaleup/peer_watch.h"
#include "transports/scaleup/shared_mapping.h"
#include "transports/transport.h"

namespace fccl {

class LlRecvConnector final : public RecvConnector {
 public:
  LlRecvConnector(SharedMapping segment, PeerWatch sender);
  std::optional<std::span<const std::byte>> peek() override;
  void release() override;
  Status health() override;
  std::string_view name() const override { return "shm/LL"; }

 private:
  LlHeader* header() const { return static_cast<LlHeader*>(segment_.data()); }
  uint64_t* slotWords(uint64_t index) const;
  SharedMapping segment_;
  PeerWatch sender_;
  uint32_t slotCount_;
  size_t slotBytes_;
  std::vector<std::byte> staging_;
  uint64_t head_ = 0;       // chunks released
  bool counted_ = false;    // the count line of chunk head_ has arrived
  size_t chunkBytes_ = 0;   // its count
  size_t linesSeen_ = 0;    // data lines of chunk head_ already unpacked
  Status corruption_;
};

class LlSendConnector final : public SendConnector {
 public:
  LlSendConnector(SharedMapping segment, PeerWatch receiver);
  std::span<std::byte> acquire() override;
  void commit(size_t bytes) override;
  size_t slotBytes() const override { return slotBytes_; }
  Status health() override { return receiver_.check(); }
  std::string_view name() const override { return "shm/LL"; }

 private:
  LlHeader* header() const { return static_cast<LlHeader*>(segment_.data()); }
  SharedMapping segment_;
  PeerWatch receiver_;
  uint32_t slotCount_;
  size_t slotBytes_;
  std::vector<std::byte> staging_;
  uint64_t tail_ = 0;       // chunks committed
  uint64_t knownHead_ = 0;  // the receiver's head as last read
};

}  // namespace fccl
