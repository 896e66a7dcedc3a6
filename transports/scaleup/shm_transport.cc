#include "transports/scaleup/shm_transport.h"

#include <unistd.h>

#include <cstring>
#include <random>

#include "common/log.h"
#include "transports/scaleup/ll_connector.h"
#include "transports/scaleup/shm_connector.h"

namespace fccl {
namespace {

constexpr uint64_t kHandleMagic = 0x6663636c73686d31ull;    // "fcclshm1"
constexpr uint64_t kLlHandleMagic = 0x6663636c73686c31ull;  // "fcclshl1"
constexpr size_t kMaxSlotBytes = 64u << 20;

uint64_t randomToken() {
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

// The handle arrived from a peer: every field is checked before it is used.
Expected<ShmHandle> parseHandle(std::span<const std::byte> bytes, int peer, bool lowLatency) {
  ShmHandle h{};
  const std::string from = std::string(lowLatency ? "LL" : "shm") + " handle from rank " + std::to_string(peer);
  if (bytes.size() != sizeof(h)) return Status(Code::kRemote, from + " has " + std::to_string(bytes.size()) + " bytes");
  std::memcpy(&h, bytes.data(), sizeof(h));
  if (h.magic != (lowLatency ? kLlHandleMagic : kHandleMagic) || h.version != (lowLatency ? kLlVersion : kFifoVersion))
    return Status(Code::kRemote, from + " has a bad magic/version");
  const uint32_t maxSlots = lowLatency ? kMaxLlSlots : kMaxFifoSlots;
  const size_t align = lowLatency ? kLlDataPerLine : 64;
  const size_t segment = lowLatency ? llSegmentBytes(h.slots, h.slotBytes) : fifoSegmentBytes(h.slots, h.slotBytes);
  if (h.slots == 0 || h.slots > maxSlots || h.slotBytes == 0 || h.slotBytes > kMaxSlotBytes || h.slotBytes % align ||
      h.segmentBytes != segment || h.pid <= 0 || h.fd < 0)
    return Status(Code::kRemote, from + " describes an invalid FIFO (" + std::to_string(h.slots) + " slots of " +
                                     std::to_string(h.slotBytes) + " bytes)");
  return h;
}

// What both kinds of FIFO header share, for the sender's check of the segment it mapped.
template <class Header>
bool matches(const Header& header, uint64_t magic, const ShmHandle& h) {
  return header.magic == magic && header.token == h.token && header.slots == h.slots && header.slotBytes == h.slotBytes;
}

template <class Header>
uint64_t initHeader(void* segment, uint64_t magic, uint32_t version, const ShmOptions& o) {
  auto* header = new (segment) Header{};
  header->magic = magic;
  header->version = version;
  header->slots = o.slots;
  header->slotBytes = o.slotBytes;
  header->token = randomToken();
  return header->token;
}

}  // namespace

Expected<std::unique_ptr<RecvConnector>> ShmTransport::listen(const PeerIdentity& sender,
                                                              std::vector<std::byte>& handle) {
  const bool ll = options_.lowLatency;
  const size_t bytes = ll ? llSegmentBytes(options_.slots, options_.slotBytes) : fifoSegmentBytes(options_.slots, options_.slotBytes);
  auto segment = SharedMapping::create(bytes, ll ? "fccl-ll" : "fccl-fifo");
  if (!segment.isOk())
    return std::move(segment).takeStatus().context(std::string(name()) + " FIFO from rank " + std::to_string(sender.rank));
  const uint64_t token = ll ? initHeader<LlHeader>(segment->data(), kLlMagic, kLlVersion, options_)
                            : initHeader<FifoHeader>(segment->data(), kFifoMagic, kFifoVersion, options_);
  const ShmHandle h{ll ? kLlHandleMagic : kHandleMagic, ll ? kLlVersion : kFifoVersion, getpid(), segment->fd(),
                    options_.slots, options_.slotBytes, bytes, token};
  handle.resize(sizeof(h));
  std::memcpy(handle.data(), &h, sizeof(h));
  FCCL_TRACE(Subsys::kShm, "%s FIFO from rank %d: %u slots of %zu bytes, memfd %d", std::string(name()).c_str(),
             sender.rank, options_.slots, options_.slotBytes, segment->fd());
  PeerWatch watch(sender.rank, sender.pid);
  if (ll) return std::unique_ptr<RecvConnector>(std::make_unique<LlRecvConnector>(std::move(segment).take(), std::move(watch)));
  return std::unique_ptr<RecvConnector>(std::make_unique<ShmRecvConnector>(std::move(segment).take(), std::move(watch)));
}

Expected<std::unique_ptr<SendConnector>> ShmTransport::connect(const PeerIdentity& receiver,
                                                               std::span<const std::byte> handle) {
  const bool ll = options_.lowLatency;
  FCCL_ASSIGN_OR_RETURN(ShmHandle h, parseHandle(handle, receiver.rank, ll));
  const std::string to = std::string(name()) + " FIFO to rank " + std::to_string(receiver.rank);
  if (h.pid != receiver.pid)
    return Status(Code::kRemote, to + ": the handle names pid " + std::to_string(h.pid) + ", the rank's pid is " +
                                     std::to_string(receiver.pid));
  auto segment = SharedMapping::open(h.pid, h.fd, h.segmentBytes);
  if (!segment.isOk()) return std::move(segment).takeStatus().context(to);
  const bool same = ll ? matches(*static_cast<const LlHeader*>(segment->data()), kLlMagic, h)
                       : matches(*static_cast<const FifoHeader*>(segment->data()), kFifoMagic, h);
  if (!same) return Status(Code::kRemote, to + " does not match its handle");
  PeerWatch watch(receiver.rank, receiver.pid);
  if (ll) return std::unique_ptr<SendConnector>(std::make_unique<LlSendConnector>(std::move(segment).take(), std::move(watch)));
  return std::unique_ptr<SendConnector>(std::make_unique<ShmSendConnector>(std::move(segment).take(), std::move(watch)));
}

}  // namespace fccl
