// What a communicator is doing right now, readable from another thread (the alarm line's) while
// an operation runs, for wait reports: the last operation begun, whether it still runs, and
// where it last waited. The executor updates `where` only once a wait has lasted (it has gone
// to sleep), so the hot path pays nothing for it.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "runtime/call_label.h"

namespace fccl {

class WaitState {
 public:
  struct Snapshot {
    uint64_t seq = 0;   // the last operation begun (0: none yet)
    bool busy = false;  // whether it still runs
    CallLabel op;       // "allreduce #3 (1024 x float32)"
    std::string where;  // "channel 0 step 2/6 recvReduceSend from rank 3 (shm), round 1/1, 0 bytes moved"
  };

  void begin(uint64_t seq, const CallLabel& op, std::string_view where = {}) {
    std::lock_guard lock(mutex_);
    now_.seq = seq;
    now_.busy = true;
    now_.op = op;
    now_.where.assign(where);
  }
  void waiting(std::string_view where) {
    std::lock_guard lock(mutex_);
    now_.where.assign(where);  // into the string's own storage: no allocation once it has grown
  }
  void end() {
    std::lock_guard lock(mutex_);
    now_.busy = false;
  }
  Snapshot snapshot() const {
    std::lock_guard lock(mutex_);
    return now_;
  }
  // "allreduce #3 (...) running, waiting at <where>" / "... finished" / "no operation yet".
  std::string describe() const {
    const Snapshot s = snapshot();
    if (s.seq == 0) return "no operation yet";
    std::string out = s.op.str() + (s.busy ? " running" : " returned");
    if (s.busy) out += s.where.empty() ? ", not waiting long anywhere yet" : ", waiting at " + s.where;
    return out;
  }

 private:
  mutable std::mutex mutex_;
  Snapshot now_;
};

}  // namespace fccl
