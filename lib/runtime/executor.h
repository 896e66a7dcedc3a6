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

struct ExecCall {
  const void* input;
  void* output;
  fcclDataType_t type;
  fcclRedOp_t op;  // fcclAvg reduces with sum and divides by `nranks` where a result is final
  int nranks;
  std::span<void* const> extra = {};  // the buffers extraBuffer(i) names
};

struct ExecLimits {
  size_t chunkBytes;  // the same on every rank: a receiver expects exactly what its peer sends
  Deadline deadline;
  int64_t timeoutMs;  // for the message, the deadline is what counts
  const std::atomic<bool>* abortFlag;
  WaitState* waitState = nullptr;  // told where a wait that lasts is stuck (for wait reports)
};

Status runPlan(const Plan& plan, const ExecCall& call, PeerLinks& links, Device& device, const ExecLimits& limits);

}  // namespace fccl
