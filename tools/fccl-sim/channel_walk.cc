#include "tools/fccl-sim/channel_walk.h"

#include <algorithm>

namespace fccl::sim {
namespace {

uint64_t chunksOf(uint64_t elems, uint64_t chunkElems) { return (elems + chunkElems - 1) / chunkElems; }

}  // namespace

ChannelWalk::ChannelWalk(CallContext& call, int rank, int channel, ChannelSteps steps)
    : call_(call), rank_(rank), channel_(channel), steps_(std::move(steps)) {}

void ChannelWalk::connect(FifoTable& fifos) {
  for (const SimStep& s : steps_) {
    if (primSends(s.prim) && !sendFifos_.count(s.sendPeer))
      sendFifos_[s.sendPeer] = &fifos.make(rank_, s.sendPeer, channel_);
    if (primRecvs(s.prim) && !recvFifos_.count(s.recvPeer))
      recvFifos_[s.recvPeer] = &fifos.make(s.recvPeer, rank_, channel_);
  }
}

Fifo& ChannelWalk::fifoTo(int peer) { return *sendFifos_.find(peer)->second; }
Fifo& ChannelWalk::fifoFrom(int peer) { return *recvFifos_.find(peer)->second; }

void ChannelWalk::move(const SimStep& step, uint64_t count) {
  const uint64_t bytes = count * call_.elemBytes;
  if (primMulticast(step.prim)) {
    if (step.prim == Prim::kMulticastSync) call_.multicast->sync(rank_);
    else if (step.prim == Prim::kMulticastReduce) call_.multicast->reduce(rank_, bytes);
    else if (step.prim == Prim::kMulticastPut) call_.multicast->put(rank_, step.sendPeer, bytes);
    else call_.multicast->store(rank_, bytes);
    if (step.prim != Prim::kMulticastSync) call_.sentUp[static_cast<size_t>(rank_)] += bytes;
    return;
  }
  Fifo* in = primRecvs(step.prim) ? &fifoFrom(step.recvPeer) : nullptr;
  Fifo* out = primSends(step.prim) ? &fifoTo(step.sendPeer) : nullptr;
  if (in) in->receive();
  if (out) out->awaitSlot();
  const bool up = out && out->route().fabric == Fabric::kScaleUp;
  // The device work of the executor's moveChunk: a reduction into the send slot (recvReduceSend)
  // over scale-up writes straight into the peer's mapped slot, so reducing and sending are one
  // pass, at the slower of the two rates. The rest is local and comes first: a reduction into
  // the output (then copied into the slot by the send), a received chunk copied into the output.
  const bool fused = up && step.prim == Prim::kRecvReduceSend;
  double device = 0;
  if (primReduces(step.prim) && !fused) device = static_cast<double>(bytes) * call_.reduceSecondsPerByte;
  if (step.prim == Prim::kCopy || step.prim == Prim::kRecv || step.prim == Prim::kRecvCopySend)
    device = static_cast<double>(bytes) * call_.copySecondsPerByte;
  if (device > 0) {
    double& freeAt = call_.deviceFreeAt[static_cast<size_t>(rank_)];
    freeAt = std::max(freeAt, sg4::Engine::get_clock()) + device;
    sg4::this_actor::sleep_until(freeAt);
  }
  if (out) {
    // LL lines carry 8 bytes of data and 8 of flag; the net always runs Simple.
    const uint64_t wire = up && call_.proto == Proto::kLL ? 2 * bytes : bytes;
    const double wirePerData = static_cast<double>(wire) / static_cast<double>(bytes);
    out->send(wire, fused ? wirePerData / call_.reduceSecondsPerByte : 0);
    call_.platform.carry(out->route(), static_cast<double>(wire));
    (up ? call_.sentUp : call_.sentOut)[static_cast<size_t>(rank_)] += bytes;
  }
  if (in) in->release();
}

void ChannelWalk::operator()() {
  const uint64_t chunkElems = call_.chunkElems;
  // Each step is busy in rounds [lag, lag + its chunks); only those are visited in a round, in
  // step order, so that plans whose phases follow one another do not cost a pass over every
  // step in every round.
  std::vector<uint32_t> byStart(steps_.size());
  for (size_t i = 0; i < steps_.size(); ++i) byStart[i] = static_cast<uint32_t>(i);
  std::stable_sort(byStart.begin(), byStart.end(),
                   [&](uint32_t a, uint32_t b) { return steps_[a].lag < steps_[b].lag; });
  auto endOf = [&](uint32_t i) {
    return steps_[i].lag + std::max<uint64_t>(chunksOf(steps_[i].elems, chunkElems), primMulticast(steps_[i].prim) ? 1 : 0);
  };
  std::vector<uint32_t> active;
  size_t next = 0;
  while (next < byStart.size() || !active.empty()) {
    if (active.empty()) round_ = std::max<uint64_t>(round_, steps_[byStart[next]].lag);
    const size_t before = active.size();
    while (next < byStart.size() && steps_[byStart[next]].lag <= round_) active.push_back(byStart[next++]);
    if (active.size() != before) std::sort(active.begin(), active.end());
    for (uint32_t i : active) {
      step_ = i;
      const SimStep& s = steps_[i];
      const uint64_t first = (round_ - s.lag) * chunkElems;
      move(s, std::min(chunkElems, s.elems - std::min(first, s.elems)));
    }
    std::erase_if(active, [&](uint32_t i) { return endOf(i) <= round_ + 1; });
    ++round_;
  }
  for (auto& [peer, fifo] : sendFifos_) fifo->drain();
  done_ = true;
  ++call_.finished;
}

std::string ChannelWalk::where() const {
  std::string out = "rank " + std::to_string(rank_) + " channel " + std::to_string(channel_);
  if (done_) return out + ": done";
  if (steps_.empty()) return out + ": no steps";
  const SimStep& s = steps_[step_];
  out += ": step " + std::to_string(step_ + 1) + "/" + std::to_string(steps_.size()) + " " + std::string(primName(s.prim));
  if (primRecvs(s.prim)) out += " from rank " + std::to_string(s.recvPeer);
  if (primSends(s.prim)) out += " to rank " + std::to_string(s.sendPeer);
  return out + ", round " + std::to_string(round_ + 1);
}

}  // namespace fccl::sim
