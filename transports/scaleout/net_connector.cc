#include "transports/scaleout/net_connector.h"

#include <string>

#include "common/log.h"
#include "common/wait.h"

namespace fccl {
namespace {

constexpr size_t kPage = 4096;
constexpr int64_t kFlushMs = 10000;

}  // namespace

Expected<SlotMemory> SlotMemory::allocate(size_t bytes) {
  const size_t rounded = (bytes + kPage - 1) / kPage * kPage;
  void* memory = std::aligned_alloc(kPage, rounded ? rounded : kPage);
  if (!memory) return Status(Code::kSystem, "cannot allocate " + std::to_string(bytes) + " bytes of slots");
  return SlotMemory(static_cast<std::byte*>(memory), bytes);
}

// ---- receiver ----

NetRecvConnector::NetRecvConnector(std::shared_ptr<Net> net, NetComm listen, uint32_t slots, size_t slotBytes,
                                   std::string name)
    : net_(std::move(net)), name_(std::move(name)), slotCount_(slots), slotBytes_(slotBytes),
      listen_(std::move(listen)), slots_(slots) {}

// Members go in reverse: the registration, then the comms (closing cancels the posted
// receives), then the bounce memory they wrote into.
NetRecvConnector::~NetRecvConnector() = default;

Status NetRecvConnector::advance() {
  if (!comm_) {
    FCCL_ASSIGN_OR_RETURN(comm_, net_->accept(listen_));
    if (!comm_) return Status::ok();
    listen_.reset();
    FCCL_ASSIGN_OR_RETURN(bounce_, SlotMemory::allocate(slotCount_ * slotBytes_));
    FCCL_ASSIGN_OR_RETURN(mr_, net_->regMr(comm_, bounce_->data(), bounce_->bytes()));
    for (Slot& s : slots_) s.unposted = true;
  }
  for (uint32_t i = 0; i < slotCount_; ++i)
    if (slots_[i].unposted) FCCL_TRY(post(i));
  return Status::ok();
}

Status NetRecvConnector::post(uint32_t slot) {
  void* data = bounce_->data() + slot * slotBytes_;
  const NetMr* mr = &mr_;
  FCCL_ASSIGN_OR_RETURN(void* request, net_->irecv(comm_, {&data, 1}, {&slotBytes_, 1}, {&slot, 1}, {&mr, 1}));
  slots_[slot].request = request;
  slots_[slot].unposted = request == nullptr;  // back-pressure: post again next time
  return Status::ok();
}

Status NetRecvConnector::testHead() {
  Slot& s = slots_[head_ % slotCount_];
  if (!s.request) return Status::ok();
  size_t bytes = 0;
  auto done = net_->test(s.request, &bytes);
  if (!done.isOk() || *done) s.request = nullptr;  // finished or failed, the request is gone
  if (!done.isOk()) return std::move(done).takeStatus();
  if (!*done) return Status::ok();
  if (bytes > slotBytes_)
    return Status(Code::kRemote, "chunk of " + std::to_string(bytes) + " bytes exceeds the " +
                                     std::to_string(slotBytes_) + "-byte slot");
  s.filled = true;
  s.bytes = bytes;
  return Status::ok();
}

// A failure stops the re-posting of slots, never the reading of chunks that arrived before it:
// a sender may send its last chunk and close before we read it. Only a head slot that can no
// longer fill is the end of the stream.
std::optional<std::span<const std::byte>> NetRecvConnector::peek() {
  if (failure_.isOk())
    if (Status s = advance(); !s.isOk()) failure_ = std::move(s);
  if (!comm_) return std::nullopt;
  const uint32_t slot = static_cast<uint32_t>(head_ % slotCount_);
  if (!slots_[slot].filled) {
    if (Status s = testHead(); !s.isOk()) {
      if (failure_.isOk()) failure_ = std::move(s);
      return std::nullopt;
    }
    if (!slots_[slot].filled) return std::nullopt;
  }
  return std::span<const std::byte>(bounce_->data() + slot * slotBytes_, slots_[slot].bytes);
}

void NetRecvConnector::release() {
  const uint32_t slot = static_cast<uint32_t>(head_ % slotCount_);
  slots_[slot].filled = false;
  ++head_;
  if (!failure_.isOk()) return;  // nothing more will come into it
  if (Status s = post(slot); !s.isOk()) failure_ = std::move(s);
}

Status NetRecvConnector::health() {
  if (failure_.isOk())
    if (Status s = advance(); !s.isOk()) failure_ = std::move(s);
  if (!comm_) return failure_;
  const Slot& head = slots_[head_ % slotCount_];
  if (!head.filled && head.request) {  // the net reports a dead sender through this test
    if (Status s = testHead(); !s.isOk() && failure_.isOk()) failure_ = std::move(s);
  }
  if (head.filled || head.request) return Status::ok();  // a chunk to read, or one still coming
  return failure_;
}

// ---- sender ----

NetSendConnector::NetSendConnector(std::shared_ptr<Net> net, int device, const NetHandle& handle, uint32_t slots,
                                   size_t slotBytes, std::string name)
    : net_(std::move(net)), name_(std::move(name)), device_(device), handle_(handle), slotCount_(slots),
      slotBytes_(slotBytes), slots_(slots) {}

// commit() only starts a send, and the net holds it until the receiver has room; a sender that
// goes away at once (a communicator destroyed right after its last collective) would lose the
// chunks still held. So the last act is to see them delivered: bounded, and cut short by any
// error, a dead receiver's included, and skipped when the communicator gave up (abandon()).
NetSendConnector::~NetSendConnector() {
  const Deadline deadline = Deadline::afterMs(kFlushMs);
  Backoff backoff;
  while (!abandoned_ && failure_.isOk() && comm_ && !deadline.expired()) {
    bool pending = false;
    Status s = advance();
    for (Slot& slot : slots_) {
      if (s.isOk()) s = test(slot);
      pending = pending || slot.request || slot.unposted;
    }
    if (!s.isOk()) failure_ = std::move(s);
    if (!pending) return;
    backoff.pause();
  }
  if (!abandoned_ && failure_.isOk() && comm_)
    FCCL_WARN(Subsys::kNet, "%s: closing a connection whose last chunks were not taken by the receiver within %lld ms",
              name_.c_str(), static_cast<long long>(kFlushMs));
}

Status NetSendConnector::advance() {
  if (!comm_) {
    FCCL_ASSIGN_OR_RETURN(comm_, net_->connect(device_, handle_));
    if (!comm_) return Status::ok();
    FCCL_ASSIGN_OR_RETURN(staging_, SlotMemory::allocate(slotCount_ * slotBytes_));
    FCCL_ASSIGN_OR_RETURN(mr_, net_->regMr(comm_, staging_->data(), staging_->bytes()));
  }
  for (uint32_t i = 0; i < slotCount_; ++i)
    if (slots_[i].unposted) FCCL_TRY(post(i));
  return Status::ok();
}

Status NetSendConnector::post(uint32_t slot) {
  Slot& s = slots_[slot];
  FCCL_ASSIGN_OR_RETURN(void* request, net_->isend(comm_, staging_->data() + slot * slotBytes_, s.bytes, slot, mr_));
  s.request = request;
  s.unposted = request == nullptr;  // back-pressure: advance() posts it again
  return Status::ok();
}

Status NetSendConnector::test(Slot& slot) {
  if (!slot.request) return Status::ok();
  auto done = net_->test(slot.request);
  if (!done.isOk() || *done) slot.request = nullptr;  // finished or failed, the request is gone
  return done.isOk() ? Status::ok() : std::move(done).takeStatus();
}

std::span<std::byte> NetSendConnector::acquire() {
  if (!failure_.isOk()) return {};
  if (Status s = advance(); !s.isOk()) {
    failure_ = std::move(s);
    return {};
  }
  if (!comm_) return {};
  const uint32_t index = static_cast<uint32_t>(tail_ % slotCount_);
  Slot& slot = slots_[index];
  if (slot.unposted) return {};
  if (Status s = test(slot); !s.isOk()) {
    failure_ = std::move(s);
    return {};
  }
  if (slot.request) return {};  // its last chunk is still on its way
  return std::span<std::byte>(staging_->data() + index * slotBytes_, slotBytes_);
}

void NetSendConnector::commit(size_t bytes) {
  bytesCommitted_ += bytes;
  const uint32_t index = static_cast<uint32_t>(tail_ % slotCount_);
  ++tail_;
  if (!failure_.isOk()) return;
  if (bytes > slotBytes_) {
    failure_ = Status(Code::kInvalidArgument, "commit of " + std::to_string(bytes) + " bytes into a " +
                                                  std::to_string(slotBytes_) + "-byte slot");
    return;
  }
  slots_[index].bytes = bytes;
  if (Status s = post(index); !s.isOk()) failure_ = std::move(s);
}

Status NetSendConnector::health() {
  if (!failure_.isOk()) return failure_;
  Status s = advance();
  for (Slot& slot : slots_)  // the net reports a dead receiver through the test of a send
    if (s.isOk()) s = test(slot);
  if (!s.isOk()) failure_ = std::move(s);
  return failure_;
}

}  // namespace fccl
