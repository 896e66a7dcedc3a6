// The scale-up transport on this machine: FIFOs in memfd segments that peers on the same kernel
// map (the model of NVLink Fusion peer memory), of the Simple or the LL protocol. A real accelerator's fabric plugs in here with
// exported device memory instead of memfds; the FIFO protocol stays the same.
#pragma once

#include <cstdint>

#include "transports/transport.h"

namespace fccl {

struct ShmOptions {
  uint32_t slots = 8;             // FCCL_SHM_SLOTS
  size_t slotBytes = 512 * 1024;  // FCCL_CHUNK_SIZE (LL: FCCL_LL_CHUNK_SIZE): data bytes a slot holds
  bool lowLatency = false;        // LL FIFOs (ll_fifo.h) instead of Simple ones (shm_fifo.h)
};

class ShmTransport final : public Transport {
 public:
  explicit ShmTransport(const ShmOptions& options) : options_(options) {}
  std::string_view name() const override { return options_.lowLatency ? "shm/LL" : "shm"; }
  Expected<std::unique_ptr<RecvConnector>> listen(const PeerIdentity& sender, std::vector<std::byte>& handle) override;
  Expected<std::unique_ptr<SendConnector>> connect(const PeerIdentity& receiver,
                                                   std::span<const std::byte> handle) override;

 private:
  ShmOptions options_;
};

}  // namespace fccl
