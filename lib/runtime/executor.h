// The executor runs a plan: the one path that moves a collective's bytes, so the one to harden.
// It walks every channel's steps in order, chunk by chunk, never blocking on a single connector:
// when no channel can move, it backs off (spin, yield, sleep) and checks its deadline, the abort
// flag and the health of the peers it waits for.
#pragma once

#include <atomic>
#include <cstddef>
#include <span>

#include "algorithms/common/plan.h"
#include "common/status.h"
#include "common/wait.h"
#include "device/device.h"
#include "runtime/wait_state.h"
#include "fccl/fccl.h"
#include "transports/transport.h"

namespace fccl {

// The connectors a plan's steps name, set up before the plan runs.
class PeerLinks {
 public:
  virtual ~PeerLinks() = default;
  virtual SendConnector& sendTo(int peer, int channel) = 0;
  virtual RecvConnector& recvFrom(int peer, int channel) = 0;
};

// The most members a multicast object (NVLS) may have: an NVL72-style domain fits.
constexpr int kMaxMulticastMembers = 128;

// The multicast object a multicast plan runs on (Plan::multicast): every member's copy of the
// call's buffers, mapped here, and a barrier over the members. Never blocks.
class MulticastLinks {
 public:
  virtual ~MulticastLinks() = default;
  virtual int members() const = 0;
  // Member m's copy of `buffer` for this call, as many bytes as it has; empty when the member
  // exposes none (a buffer that is not mapped).
  virtual std::span<std::byte> memberBuffer(int member, Buffer buffer) = 0;
  // This rank arrives at its next sync.
  virtual void arrive() = 0;
  // Whether every member has arrived at the sync this rank arrived at last; kRemote when a
  // member's counter shows it broke the protocol.
  virtual Expected<bool> allArrived() = 0;
  // kRemote once a member is known to be gone.
  virtual Status health() = 0;
};

struct ExecCall {
  const void* input;
  void* output;
  fcclDataType_t type;
  fcclRedOp_t op;  // fcclAvg reduces with sum and divides by `nranks` where a result is final
  int nranks;
  std::span<void* const> extra = {};  // the buffers extraBuffer(i) names
  MulticastLinks* multicast = nullptr;  // for a multicast plan: its multicast object
};

struct ExecLimits {
  size_t chunkBytes;  // the same on every rank: a receiver expects exactly what its peer sends
  // A wait's deadline: it starts at the plan's first wait, so a call that never waits never
  // reads the clock.
  int64_t timeoutMs;
  const std::atomic<bool>* abortFlag;
  WaitState* waitState = nullptr;  // told where a wait that lasts is stuck (for wait reports)
};

Status runPlan(const Plan& plan, const ExecCall& call, PeerLinks& links, Device& device, const ExecLimits& limits);

}  // namespace fccl
