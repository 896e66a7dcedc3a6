#include "tools/fccl-sim/fifo.h"

#include <string>

namespace fccl::sim {
namespace {

// Mailboxes carry a pointer; the chunks' contents are not simulated.
int chunkToken = 0;

}  // namespace

Fifo::Fifo(const Route& route, sg4::Mailbox* box, sg4::ActorPtr receiver, size_t slots, double rateLimit)
    : route_(route), box_(box), receiver_(receiver->get_impl()), slots_(slots), rateLimit_(rateLimit) {
  box_->set_receiver(receiver);
}

Fifo::~Fifo() { box_->set_receiver(nullptr); }

void Fifo::awaitSlot() {
  if (sent_ - released_ < slots_) return;
  if (!mutex_) {
    mutex_ = sg4::Mutex::create();
    slotFreed_ = sg4::ConditionVariable::create();
  }
  std::unique_lock lock(*mutex_);
  senderWaiting_ = true;
  while (sent_ - released_ >= slots_) slotFreed_->wait(lock);
  senderWaiting_ = false;
}

void Fifo::reapReleased() {
  // A released chunk has arrived: waiting on its message returns at once.
  while (reaped_ < released_ && !inFlight_.empty()) {
    inFlight_.front()->wait();
    inFlight_.pop_front();
    ++reaped_;
  }
}

void Fifo::send(uint64_t wireBytes, double rateCap) {
  reapReleased();
  sg4::CommPtr message = box_->put_init(&chunkToken, wireBytes);
  const double rate = rateCap > 0 && (rateLimit_ <= 0 || rateCap < rateLimit_) ? rateCap : rateLimit_;
  if (rate > 0) message->set_rate(rate);
  message->start();
  inFlight_.push_back(std::move(message));
  ++sent_;
}

void Fifo::drain() {
  while (!inFlight_.empty()) {
    inFlight_.front()->wait();
    inFlight_.pop_front();
    ++reaped_;
  }
}

void Fifo::receive() {
  // Posting the receive and waiting on it in one simcall (what Mailbox::get does in two).
  void* token = nullptr;
  sg4::Comm::recv(receiver_, box_, &token, nullptr, {}, {}, nullptr, -1, -1);
}

void Fifo::release() {
  ++released_;
  if (senderWaiting_) slotFreed_->notify_one();
}

FifoTable::FifoTable(Platform& platform, int channels, size_t slots, double upRate, double outRate)
    : platform_(platform), channels_(channels), slots_(slots), upRate_(upRate), outRate_(outRate),
      receivers_(static_cast<size_t>(platform.machine().nranks() * channels)) {}

void FifoTable::setReceiver(int rank, int channel, sg4::ActorPtr actor) {
  receivers_[static_cast<size_t>(rank * channels_ + channel)] = std::move(actor);
}

Fifo& FifoTable::make(int from, int to, int channel) {
  const uint64_t n = static_cast<uint64_t>(platform_.machine().nranks());
  const uint64_t key = (static_cast<uint64_t>(from) * n + static_cast<uint64_t>(to)) * static_cast<uint64_t>(channels_) +
                       static_cast<uint64_t>(channel);
  auto it = fifos_.find(key);
  if (it != fifos_.end()) return *it->second;
  const Route& route = platform_.route(from, to);
  sg4::Mailbox* box = sg4::Mailbox::by_name(std::to_string(from) + ">" + std::to_string(to) + "/" + std::to_string(channel));
  auto fifo = std::make_unique<Fifo>(route, box, receivers_[static_cast<size_t>(to * channels_ + channel)], slots_,
                                     route.fabric == Fabric::kScaleUp ? upRate_ : outRate_);
  return *fifos_.emplace(key, std::move(fifo)).first->second;
}

}  // namespace fccl::sim
