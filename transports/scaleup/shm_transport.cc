#include "transports/scaleup/shm_transport.h"

#include <unistd.h>

#include <cstring>
#include <random>

#include "common/log.h"
#include "transports/scaleup/shm_connector.h"

namespace fccl {
namespace {

constexpr uint64_t kHandleMagic = 0x6663636c73686d31ull;  // "fcclshm1"
constexpr size_t kMaxSlotBytes = 64u << 20;

uint64_t randomToken() {
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

// The handle arrived from a peer: every field is checked before it is used.
Expected<ShmHandle> parseHandle(std::span<const std::byte> bytes, int peer) {
  ShmHandle h{};
  const std::string from = "shm handle from rank " + std::to_string(peer);
  if (bytes.size() != sizeof(h)) return Status(Code::kRemote, from + " has " + std::to_string(bytes.size()) + " bytes");
  std::memcpy(&h, bytes.data(), sizeof(h));
  if (h.magic != kHandleMagic || h.version != kFifoVersion) return Status(Code::kRemote, from + " has a bad magic/version");
  if (h.slots == 0 || h.slots > kMaxFifoSlots || h.slotBytes == 0 || h.slotBytes > kMaxSlotBytes || h.slotBytes % 64 ||
      h.segmentBytes != fifoSegmentBytes(h.slots, h.slotBytes) || h.pid <= 0 || h.fd < 0)
    return Status(Code::kRemote, from + " describes an invalid FIFO (" + std::to_string(h.slots) + " slots of " +
                                     std::to_string(h.slotBytes) + " bytes)");
  return h;
}

}  // namespace

Expected<std::unique_ptr<RecvConnector>> ShmTransport::listen(const PeerIdentity& sender,
                                                              std::vector<std::byte>& handle) {
  const size_t bytes = fifoSegmentBytes(options_.slots, options_.slotBytes);
  auto segment = SharedMapping::create(bytes, "fccl-fifo");
  if (!segment.isOk())
    return std::move(segment).takeStatus().context("shm FIFO from rank " + std::to_string(sender.rank));
  auto* header = new (segment->data()) FifoHeader{};
  header->magic = kFifoMagic;
  header->version = kFifoVersion;
  header->slots = options_.slots;
  header->slotBytes = options_.slotBytes;
  header->token = randomToken();
  const ShmHandle h{kHandleMagic, kFifoVersion, getpid(), segment->fd(), options_.slots, options_.slotBytes, bytes,
                    header->token};
  handle.resize(sizeof(h));
  std::memcpy(handle.data(), &h, sizeof(h));
  FCCL_TRACE(Subsys::kShm, "FIFO from rank %d: %u slots of %zu bytes, memfd %d", sender.rank, options_.slots,
             options_.slotBytes, segment->fd());
  return std::unique_ptr<RecvConnector>(
      std::make_unique<ShmRecvConnector>(std::move(segment).take(), PeerWatch(sender.rank, sender.pid)));
}

Expected<std::unique_ptr<SendConnector>> ShmTransport::connect(const PeerIdentity& receiver,
                                                               std::span<const std::byte> handle) {
  FCCL_ASSIGN_OR_RETURN(ShmHandle h, parseHandle(handle, receiver.rank));
  if (h.pid != receiver.pid)
    return Status(Code::kRemote, "shm handle from rank " + std::to_string(receiver.rank) + " names pid " +
                                     std::to_string(h.pid) + ", the rank's pid is " + std::to_string(receiver.pid));
  auto segment = SharedMapping::open(h.pid, h.fd, h.segmentBytes);
  if (!segment.isOk())
    return std::move(segment).takeStatus().context("shm FIFO to rank " + std::to_string(receiver.rank));
  const auto* header = static_cast<const FifoHeader*>(segment->data());
  if (header->magic != kFifoMagic || header->token != h.token || header->slots != h.slots ||
      header->slotBytes != h.slotBytes)
    return Status(Code::kRemote, "shm FIFO to rank " + std::to_string(receiver.rank) + " does not match its handle");
  return std::unique_ptr<SendConnector>(
      std::make_unique<ShmSendConnector>(std::move(segment).take(), PeerWatch(receiver.rank, receiver.pid)));
}

}  // namespace fccl
