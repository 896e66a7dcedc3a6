// Knows when a peer process on this kernel has died, without asking the peer: a pidfd becomes
// readable when its process exits (zombies included), which kill(pid, 0) cannot tell.
#pragma once

#include "common/status.h"
#include "common/unique_fd.h"

namespace fccl {

class PeerWatch {
 public:
  PeerWatch() = default;
  PeerWatch(int rank, int pid);
  // kRemote "rank R (pid P) has exited" once the peer is gone, ok while it lives.
  Status check() const;

 private:
  int rank_ = -1;
  int pid_ = -1;
  UniqueFd pidfd_;
};

}  // namespace fccl
