#include "transports/scaleup/peer_watch.h"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace fccl {

PeerWatch::PeerWatch(int rank, int pid) : rank_(rank), pid_(pid) {
#ifdef SYS_pidfd_open
  pidfd_.reset(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
#endif
}

Status PeerWatch::check() const {
  if (pid_ <= 0) return Status::ok();
  bool gone = false;
  if (pidfd_.valid()) {
    pollfd p{pidfd_.get(), POLLIN, 0};
    gone = poll(&p, 1, 0) > 0;
  } else {
    gone = kill(pid_, 0) != 0 && errno == ESRCH;  // older kernels: misses zombies, still catches reaped peers
  }
  if (gone)
    return Status(Code::kRemote, "rank " + std::to_string(rank_) + " (pid " + std::to_string(pid_) + ") has exited");
  return Status::ok();
}

}  // namespace fccl
