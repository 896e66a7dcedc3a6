#include "runtime/executor.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "common/dtype.h"
#include "common/log.h"

namespace fccl {
namespace {

constexpr size_t kMaxPlanChannels = 32;  // as many as the connections hold (Connections::kMaxChannels)

// Where one channel is. A channel runs in rounds: round j moves chunk j of every step, in step
// order, before any step moves chunk j+1. Each step's data thus flows through the ring one chunk
// behind the step before it, like a pipeline, and a FIFO of a few slots is enough: were a step to
// send all its chunks before the next step received any, every rank would fill its neighbour's
// FIFO and wait for it forever. Steps whose slice has no chunk j skip the round on both sides.
// No default values: a call keeps an array of them on the stack and sets only those it uses.
struct Cursor {
  int channel;
  size_t round;
  size_t rounds;
  size_t step;
};

class PlanRun {
 public:
  PlanRun(const Plan& plan, const ExecCall& call, PeerLinks& links, Device& device, const ExecLimits& limits)
      : plan_(plan), call_(call), links_(links), device_(device), limits_(limits),
        elemBytes_(typeSize(call.type)), chunkElems_(limits.chunkBytes / typeSize(call.type)),
        reduceOp_(call.op == fcclAvg ? fcclSum : call.op) {}

  Status run();

 private:
  // A multicast plan: its one channel step by step, each step whole, syncs waiting.
  Status runMulticast();
  Status multicastStep(const Step& step, MulticastLinks& object);
  // A reduce whose result the next step stores into every member, as one device pass.
  bool fusesWithNext(const std::vector<Step>& steps, size_t i) const;
  Status multicastReduceStore(const Step& reduce, const Step& store, MulticastLinks& object);
  Status multicastPut(const Step& step, MulticastLinks& object);
  // Member `m`'s address of `slice` of its copy of the buffer, checked against the mapping.
  Expected<std::byte*> memberSlice(MulticastLinks& object, int m, const Slice& slice) const;
  // The same for every member.
  Status memberSlices(MulticastLinks& object, const Slice& slice, std::byte** out) const;
  Status waitForMembers(MulticastLinks& object, std::span<Cursor> at);
  bool finished(const Cursor& c) const { return c.round >= c.rounds; }
  const Step& stepOf(const Cursor& c) const { return plan_.channels[static_cast<size_t>(c.channel)].steps[c.step]; }
  // Moves one chunk of the cursor's step if its peers allow; false when it has to wait.
  Expected<bool> advance(Cursor& c);
  Status moveChunk(const Step& step, size_t offset, size_t count, std::span<const std::byte> in, std::byte* out);
  Status checkWaiting(std::span<const Cursor> cursors);
  void publishWait(std::span<const Cursor> cursors);
  std::string describe(const Cursor& c) const;

  std::byte* at(const Slice& s, size_t offset) const {
    const std::byte* base = isExtra(s.buffer)            ? static_cast<const std::byte*>(call_.extra[extraIndex(s.buffer)])
                            : s.buffer == Buffer::kInput ? static_cast<const std::byte*>(call_.input)
                                                         : static_cast<const std::byte*>(call_.output);
    return const_cast<std::byte*>(base) + (s.offset + offset) * elemBytes_;
  }

  const Plan& plan_;
  const ExecCall& call_;
  PeerLinks& links_;
  Device& device_;
  const ExecLimits& limits_;
  const size_t elemBytes_;
  const size_t chunkElems_;
  const fcclRedOp_t reduceOp_;
  size_t moved_ = 0;  // bytes this call has moved, for wait reports
  Deadline::Clock::time_point nextPublish_{};
  std::optional<Deadline> deadline_;  // from the first wait on
};

size_t stepElems(const Step& s) { return primReadsSrc(s.prim) ? s.src.count : s.dst.count; }

Expected<bool> PlanRun::advance(Cursor& c) {
  const Step& step = stepOf(c);
  const size_t total = stepElems(step);
  const size_t chunk = c.round - std::min<size_t>(c.round, step.lag), first = chunk * chunkElems_;
  const size_t count = c.round >= step.lag && first < total ? std::min(chunkElems_, total - first) : 0;
  if (count > 0) {
    std::span<const std::byte> in;
    RecvConnector* recv = nullptr;
    if (primRecvs(step.prim)) {
      recv = &links_.recvFrom(step.recvPeer, c.channel);
      auto chunk = recv->peek();
      if (!chunk) return false;
      if (chunk->size() != count * elemBytes_)
        return Status(Code::kInvalidUsage, "rank " + std::to_string(step.recvPeer) + " sent " +
                                               std::to_string(chunk->size()) + " bytes where " +
                                               std::to_string(count * elemBytes_) +
                                               " were expected: do all ranks make the same call?");
      in = *chunk;
    }
    std::byte* out = nullptr;
    SendConnector* send = nullptr;
    if (primSends(step.prim)) {
      send = &links_.sendTo(step.sendPeer, c.channel);
      auto slot = send->acquire();
      if (slot.empty()) return false;
      out = slot.data();
    }
    FCCL_TRY(moveChunk(step, first, count, in, out));
    moved_ += count * elemBytes_;
    if (send) send->commit(count * elemBytes_);
    if (recv) recv->release();
  }
  if (++c.step == plan_.channels[static_cast<size_t>(c.channel)].steps.size()) {
    c.step = 0;
    ++c.round;
  }
  return true;
}

// The data movement of one chunk: `in` is the received chunk, `out` the send slot.
Status PlanRun::moveChunk(const Step& step, size_t offset, size_t count, std::span<const std::byte> in,
                          std::byte* out) {
  const size_t bytes = count * elemBytes_;
  switch (step.prim) {
    case Prim::kSend:
      std::memcpy(out, at(step.src, offset), bytes);
      return Status::ok();
    case Prim::kRecv:
      std::memcpy(at(step.dst, offset), in.data(), bytes);
      return Status::ok();
    case Prim::kRecvReduceSend:
      return device_.reduce(out, in.data(), at(step.src, offset), count, call_.type, reduceOp_);
    case Prim::kRecvReduceCopySend:
    case Prim::kRecvReduceCopy: {
      std::byte* dst = at(step.dst, offset);
      FCCL_TRY(device_.reduce(dst, in.data(), at(step.src, offset), count, call_.type, reduceOp_));
      if (call_.op == fcclAvg && !step.partial)
        FCCL_TRY(device_.divide(dst, dst, count, call_.type, static_cast<uint32_t>(call_.nranks)));
      if (out) std::memcpy(out, dst, bytes);
      return Status::ok();
    }
    case Prim::kRecvCopySend:
      std::memcpy(at(step.dst, offset), in.data(), bytes);
      std::memcpy(out, in.data(), bytes);
      return Status::ok();
    case Prim::kCopy: {
      std::byte* dst = at(step.dst, offset);
      const std::byte* src = at(step.src, offset);
      if (dst != src) std::memmove(dst, src, bytes);
      return Status::ok();
    }
    case Prim::kMulticastSync:
    case Prim::kMulticastReduce:
    case Prim::kMulticastStore:
    case Prim::kMulticastPut: break;  // only in multicast plans (runMulticast)
  }
  return Status(Code::kInternal, "primitive " + std::string(primName(step.prim)) + " outside a multicast plan");
}

// The members' copies of a slice: each member's buffer must hold it (a member's buffer is what
// its mapping says, not what we assume).
Expected<std::byte*> PlanRun::memberSlice(MulticastLinks& object, int m, const Slice& slice) const {
  const size_t bytes = slice.count * elemBytes_, offset = slice.offset * elemBytes_;
  std::span<std::byte> buffer = object.memberBuffer(m, slice.buffer);
  if (buffer.size() < offset || buffer.size() - offset < bytes)
    return Status(Code::kInternal, "rank " + std::to_string(m) + "'s copy of the buffer holds " +
                                       std::to_string(buffer.size()) + " bytes, the step needs " +
                                       std::to_string(offset + bytes));
  return buffer.data() + offset;
}

Status PlanRun::memberSlices(MulticastLinks& object, const Slice& slice, std::byte** out) const {
  const int members = object.members();
  if (members < 1 || members > kMaxMulticastMembers)
    return Status(Code::kInternal, "multicast object of " + std::to_string(members) + " members");
  for (int m = 0; m < members; ++m) {
    FCCL_ASSIGN_OR_RETURN(out[m], memberSlice(object, m, slice));
  }
  return Status::ok();
}

Status PlanRun::multicastStep(const Step& step, MulticastLinks& object) {
  const int members = object.members();
  const bool reduce = step.prim == Prim::kMulticastReduce;
  const Slice& remote = reduce ? step.src : step.dst;
  const size_t bytes = remote.count * elemBytes_;
  std::array<std::byte*, kMaxMulticastMembers> copies;
  FCCL_TRY(memberSlices(object, remote, copies.data()));
  if (reduce) {
    std::byte* dst = at(step.dst, 0);
    std::array<const void*, kMaxMulticastMembers> sources;
    std::copy_n(copies.begin(), members, sources.begin());
    FCCL_TRY(device_.multicastReduce(dst, std::span(sources.data(), static_cast<size_t>(members)), step.dst.count,
                                     call_.type, reduceOp_));
    if (call_.op == fcclAvg && !step.partial)
      FCCL_TRY(device_.divide(dst, dst, step.dst.count, call_.type, static_cast<uint32_t>(call_.nranks)));
  } else {
    std::array<void*, kMaxMulticastMembers> targets;
    std::copy_n(copies.begin(), members, targets.begin());
    FCCL_TRY(device_.multicastStore(std::span(targets.data(), static_cast<size_t>(members)), at(step.src, 0), bytes));
  }
  moved_ += bytes;
  return Status::ok();
}

// An average divides between the reduce and the store, so it keeps the two steps apart.
bool PlanRun::fusesWithNext(const std::vector<Step>& steps, size_t i) const {
  if (i + 1 >= steps.size() || call_.op == fcclAvg) return false;
  const Step &reduce = steps[i], &store = steps[i + 1];
  return reduce.prim == Prim::kMulticastReduce && store.prim == Prim::kMulticastStore &&
         store.src.buffer == reduce.dst.buffer && store.src.offset == reduce.dst.offset &&
         store.src.count == reduce.dst.count && store.dst.count == reduce.dst.count;
}

Status PlanRun::multicastReduceStore(const Step& reduce, const Step& store, MulticastLinks& object) {
  const int members = object.members();
  std::array<std::byte*, kMaxMulticastMembers> from, to;
  FCCL_TRY(memberSlices(object, reduce.src, from.data()));
  FCCL_TRY(memberSlices(object, store.dst, to.data()));
  std::array<const void*, kMaxMulticastMembers> sources;
  std::copy_n(from.begin(), members, sources.begin());
  // The members' copies, and this rank's own result where it is none of them (staged: the
  // result goes to the output and to every member's window).
  std::array<void*, kMaxMulticastMembers + 1> targets;
  std::copy_n(to.begin(), members, targets.begin());
  size_t ntargets = static_cast<size_t>(members);
  std::byte* mine = at(reduce.dst, 0);
  if (std::find(to.begin(), to.begin() + members, mine) == to.begin() + members) targets[ntargets++] = mine;
  FCCL_TRY(device_.multicastReduceStore(std::span(targets.data(), ntargets),
                                        std::span(sources.data(), static_cast<size_t>(members)), reduce.dst.count,
                                        call_.type, reduceOp_));
  moved_ += (reduce.src.count + store.dst.count) * elemBytes_;
  return Status::ok();
}

Status PlanRun::multicastPut(const Step& step, MulticastLinks& object) {
  if (step.sendPeer < 0 || step.sendPeer >= object.members())
    return Status(Code::kInternal, "multicastPut to member " + std::to_string(step.sendPeer) + " of " +
                                       std::to_string(object.members()));
  const size_t bytes = step.dst.count * elemBytes_;
  FCCL_ASSIGN_OR_RETURN(std::byte * to, memberSlice(object, step.sendPeer, step.dst));
  void* target[1] = {to};
  FCCL_TRY(device_.multicastStore(std::span(target, 1), at(step.src, 0), bytes));
  moved_ += bytes;
  return Status::ok();
}

Status PlanRun::waitForMembers(MulticastLinks& object, std::span<Cursor> at) {
  object.arrive();
  Backoff backoff;
  for (;;) {
    FCCL_ASSIGN_OR_RETURN(bool all, object.allArrived());
    if (all) return Status::ok();
    backoff.pause();
    if (!backoff.timeToCheck()) continue;
    if (Status member = object.health(); !member.isOk()) return std::move(member).context(describe(at[0]));
    FCCL_TRY(checkWaiting(at));
    if (backoff.sleeping() && limits_.waitState) publishWait(at);
  }
}

Status PlanRun::runMulticast() {
  if (!call_.multicast) return Status(Code::kInternal, "a multicast plan without a multicast object");
  if (plan_.channels.size() != 1) return Status(Code::kInternal, "a multicast plan has one channel");
  std::array<Cursor, 1> at{Cursor{0, 0, 1, 0}};
  const auto& steps = plan_.channels[0].steps;
  for (; at[0].step < steps.size(); ++at[0].step) {
    const Step& step = steps[at[0].step];
    Status s;
    switch (step.prim) {
      case Prim::kMulticastSync: s = waitForMembers(*call_.multicast, at); break;
      case Prim::kMulticastReduce:
        if (fusesWithNext(steps, at[0].step)) {
          s = multicastReduceStore(step, steps[at[0].step + 1], *call_.multicast);
          ++at[0].step;
          break;
        }
        s = multicastStep(step, *call_.multicast);
        break;
      case Prim::kMulticastStore: s = multicastStep(step, *call_.multicast); break;
      case Prim::kMulticastPut: s = multicastPut(step, *call_.multicast); break;
      case Prim::kCopy: s = moveChunk(step, 0, step.src.count, {}, nullptr); break;
      default: s = Status(Code::kInternal, "primitive " + std::string(primName(step.prim)) + " in a multicast plan");
    }
    if (!s.isOk()) return std::move(s).context(describe(at[0]));
  }
  return Status::ok();
}

std::string PlanRun::describe(const Cursor& c) const {
  const auto& steps = plan_.channels[static_cast<size_t>(c.channel)].steps;
  const Step& s = stepOf(c);
  std::string out = "channel " + std::to_string(c.channel) + " step " + std::to_string(c.step + 1) + "/" +
                    std::to_string(steps.size()) + " " + std::string(primName(s.prim));
  if (primRecvs(s.prim))
    out += " from rank " + std::to_string(s.recvPeer) + " (" + std::string(links_.recvFrom(s.recvPeer, c.channel).name()) + ")";
  if (primSends(s.prim))
    out += " to rank " + std::to_string(s.sendPeer) + " (" + std::string(links_.sendTo(s.sendPeer, c.channel).name()) + ")";
  if (primMulticast(s.prim) && call_.multicast)
    out += " on the multicast object of " + std::to_string(call_.multicast->members()) + " ranks";
  out += ", round " + std::to_string(c.round + 1) + "/" + std::to_string(c.rounds);
  return out;
}

// Called now and then while nothing moves: a peer that died or broke the protocol, an abort,
// or the deadline each end the wait with a message that names where we were.
Status PlanRun::checkWaiting(std::span<const Cursor> cursors) {
  for (const Cursor& c : cursors) {
    if (finished(c)) continue;
    const Step& s = stepOf(c);
    Status peer;
    if (primRecvs(s.prim)) peer = links_.recvFrom(s.recvPeer, c.channel).health();
    if (peer.isOk() && primSends(s.prim)) peer = links_.sendTo(s.sendPeer, c.channel).health();
    if (!peer.isOk()) return std::move(peer).context(describe(c));
    if (limits_.abortFlag && limits_.abortFlag->load(std::memory_order_relaxed))
      return Status(Code::kAborted, "communicator aborted").context(describe(c));
    if (!deadline_) deadline_ = Deadline::afterMs(limits_.timeoutMs);
    if (deadline_->expired())
      return Status(Code::kTimeout, "timed out after " + std::to_string(limits_.timeoutMs) + " ms").context(describe(c));
  }
  return Status::ok();
}

void PlanRun::publishWait(std::span<const Cursor> cursors) {
  const auto now = Deadline::Clock::now();
  if (now < nextPublish_) return;
  nextPublish_ = now + std::chrono::milliseconds(100);
  for (const Cursor& c : cursors)
    if (!finished(c)) {
      limits_.waitState->waiting(describe(c) + ", " + std::to_string(moved_) + " bytes moved");
      return;
    }
}

Status PlanRun::run() {
  if (plan_.multicast) return runMulticast();
  if (chunkElems_ == 0) return Status(Code::kInvalidArgument, "chunk size is smaller than one element");
  // On the stack: a call allocates nothing to run its plan.
  std::array<Cursor, kMaxPlanChannels> cursorStore;  // uninitialised: set below, as many as used
  if (plan_.channels.size() > cursorStore.size())
    return Status(Code::kInternal, "plan has " + std::to_string(plan_.channels.size()) + " channels");
  const std::span<Cursor> cursors(cursorStore.data(), plan_.channels.size());
  for (size_t i = 0; i < cursors.size(); ++i) {
    size_t longest = 0;
    for (const Step& s : plan_.channels[i].steps)
      if (stepElems(s) > 0) longest = std::max(longest, s.lag + (stepElems(s) + chunkElems_ - 1) / chunkElems_);
    cursors[i] = Cursor{static_cast<int>(i), 0, longest, 0};
  }
  Backoff backoff;
  for (size_t left = cursors.size(); left > 0;) {
    bool moved = false;
    left = 0;
    for (Cursor& c : cursors) {
      while (!finished(c)) {
        auto advanced = advance(c);
        if (!advanced.isOk()) return std::move(advanced).takeStatus().context(describe(c));
        if (!*advanced) break;
        moved = true;
      }
      left += finished(c) ? 0 : 1;
    }
    if (left == 0) break;
    if (moved) {
      backoff.reset();
      continue;
    }
    backoff.pause();
    if (backoff.timeToCheck()) {
      FCCL_TRY(checkWaiting(cursors));
      // Only a wait that has gone to sleep is worth a report, and a string per sleep is cheap.
      if (backoff.sleeping() && limits_.waitState) publishWait(cursors);
    }
  }
  return Status::ok();
}

}  // namespace

Status runPlan(const Plan& plan, const ExecCall& call, PeerLinks& links, Device& device, const ExecLimits& limits) {
  return PlanRun(plan, call, links, device, limits).run();
}

}  // namespace fccl
