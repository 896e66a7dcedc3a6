// A simulated rank's channel: the executor's walk of one channel's steps (lib/runtime/executor.cc)
// as a SimGrid actor. The channel runs in rounds; in round j each step, in order, moves its chunk
// j - lag when it has one: it waits for the chunk from its receive peer, for a free slot towards
// its send peer, spends the device's time on the reduction or copy the executor makes, and sends
// (a reduction into a scale-up peer's slot is the send itself, at the slower of the two rates). Channels, like ranks,
// run independently; a rank's local device work is shared by its channels (one host per rank).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "tools/fccl-sim/fifo.h"
#include "tools/fccl-sim/multicast.h"
#include "tools/fccl-sim/rank_plan.h"

namespace fccl::sim {

// What the channels of one call share.
struct CallContext {
  Platform& platform;
  size_t chunkElems;
  size_t elemBytes;
  Proto proto;
  double reduceSecondsPerByte;
  double copySecondsPerByte;
  // Per rank: data bytes sent over each fabric (what the executor's traffic counters count).
  std::vector<uint64_t> sentUp, sentOut;
  // Per rank: when its device is done with the work queued so far. A rank's device works on one
  // thing at a time, in the order its channels ask (the executor's one thread; a device's
  // memory rate, shared): a wait until then costs one simcall, where a SimGrid execution on a
  // shared host costs three.
  std::vector<double> deviceFreeAt;
  int finished = 0;
  // The multicast object of a multicast plan (one scale-up domain), else null. A multicast plan
  // runs each step whole, in order (Plan::multicast), as the executor does.
  MulticastGroup* multicast = nullptr;
};

class ChannelWalk {
 public:
  ChannelWalk(CallContext& call, int rank, int channel, ChannelSteps steps);
  // Makes the FIFOs this channel's steps use; before the simulation runs.
  void connect(FifoTable& fifos);
  void operator()();
  int rank() const { return rank_; }
  int channel() const { return channel_; }
  bool done() const { return done_; }
  // Where the walk is, for a deadlock report.
  std::string where() const;

 private:
  void move(const SimStep& step, uint64_t count);
  Fifo& fifoTo(int peer);
  Fifo& fifoFrom(int peer);

  CallContext& call_;
  const int rank_, channel_;
  ChannelSteps steps_;
  std::unordered_map<int, Fifo*> sendFifos_, recvFifos_;
  uint64_t round_ = 0;
  size_t step_ = 0;
  bool done_ = false;
};

}  // namespace fccl::sim
