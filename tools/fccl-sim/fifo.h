// One FIFO of the executor between two ranks on one channel, as SimGrid activities: a chunk is a
// message on a mailbox whose permanent receiver is the receiving channel's actor, so it flows as
// soon as it is sent (the sender writes into the receiver's slots, it does not wait for a
// receive); the sender may have at most `slots` chunks the receiver has not released, as the
// real FIFO's head and tail counters allow.
//
// The sender keeps its messages and waits on each once the receiver released it (which it
// already has, so that costs no simulated time): a message nobody waits on would stay on
// SimGrid's books. Messages are never detached: SimGrid 3.32 keeps detached ones in one global
// list and searches it at every completion, which costs O(messages in flight) each.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <unordered_map>
#include <vector>

#include <simgrid/s4u.hpp>

#include "tools/fccl-sim/platform.h"

namespace fccl::sim {

class Fifo {
 public:
  // `rateLimit`: the most one channel moves, bytes per second (0: none).
  Fifo(const Route& route, sg4::Mailbox* box, sg4::ActorPtr receiver, size_t slots, double rateLimit);
  ~Fifo();
  Fifo(const Fifo&) = delete;
  Fifo& operator=(const Fifo&) = delete;

  const Route& route() const { return route_; }

  // Sender: blocks while every slot holds a chunk the receiver has not released.
  void awaitSlot();
  // Sender: starts a chunk of `wireBytes` on its way, at most at `rateCap` bytes per second
  // (0: only the channel's limit).
  void send(uint64_t wireBytes, double rateCap);
  // Sender, once done with the channel: waits for its chunks to land.
  void drain();
  // Receiver: blocks until the next chunk has arrived.
  void receive();
  // Receiver: frees the chunk's slot.
  void release();

 private:
  void reapReleased();

  const Route& route_;
  sg4::Mailbox* box_;
  simgrid::kernel::actor::ActorImpl* receiver_;
  const size_t slots_;
  const double rateLimit_;
  std::deque<sg4::CommPtr> inFlight_;  // sent and not yet waited on by the sender
  uint64_t sent_ = 0, released_ = 0, reaped_ = 0;
  // Made only when a sender finds the FIFO full, which pipelined plans rarely do.
  sg4::MutexPtr mutex_;
  sg4::ConditionVariablePtr slotFreed_;
  bool senderWaiting_ = false;
};

// Every FIFO of one simulated call. They are all made before the simulation runs (from the
// maestro, where SimGrid's calls do not yield): made by an actor, a FIFO could be made twice by
// two actors that both found it missing before either had finished. Receivers are registered
// first, so a FIFO has its permanent receiver before its first chunk.
class FifoTable {
 public:
  FifoTable(Platform& platform, int channels, size_t slots, double upRate, double outRate);
  void setReceiver(int rank, int channel, sg4::ActorPtr actor);
  Fifo& make(int from, int to, int channel);

 private:
  Platform& platform_;
  const int channels_;
  const size_t slots_;
  const double upRate_, outRate_;
  std::vector<sg4::ActorPtr> receivers_;  // rank * channels + channel
  std::unordered_map<uint64_t, std::unique_ptr<Fifo>> fifos_;
};

}  // namespace fccl::sim
