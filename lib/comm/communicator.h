// A communicator: one rank's membership in a group of ranks, and everything it owns to talk to
// the others (bootstrap, device, connectors). Created by init, broken for good by the first
// failed operation (its error stays readable through asyncError()), freed by destroy or abort.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "algorithms/algorithms.h"
#include "bootstrap/bootstrap.h"
#include "comm/comm_options.h"
#include "comm/connections.h"
#include "device/device.h"
#include "fccl/fccl.h"

namespace fccl {

// One collective call as the API received it (already checked).
struct CollectiveCall {
  Collective collective;
  const void* input;
  void* output;
  size_t count;  // the API's count (see PlanRequest)
  fcclDataType_t type;
  fcclRedOp_t op;
  int root = 0;  // broadcast and reduce
};

class Communicator {
 public:
  // Starts joining the group. With options.blocking the comm is ready on return; otherwise
  // init goes on in a thread and asyncError() says kInProgress until it is done.
  static Expected<std::unique_ptr<Communicator>> create(const fcclUniqueId& id, int nranks, int rank,
                                                        const CommOptions& options);
  ~Communicator();

  int rank() const { return rank_; }
  int nranks() const { return nranks_; }
  bool valid() const { return magic_ == kMagic; }

  Status run(const CollectiveCall& call);
  // The state: ok, kInProgress during non-blocking init, or the error that broke the comm.
  Status asyncError();
  Status finalize();
  // Stops whatever is running within milliseconds; the destructor then frees everything.
  void abort();

 private:
  static constexpr uint64_t kMagic = 0x6663636c636f6d6dull;  // "fcclcomm"
  Communicator(int nranks, int rank, const CommOptions& options);
  Status init(const fcclUniqueId& id);
  Status waitReady();
  Expected<Algorithm> chooseAlgorithm(const CollectiveCall& call) const;
  Status runLocked(const CollectiveCall& call, const Algorithm& algorithm, uint64_t seq);

  uint64_t magic_ = kMagic;
  const int nranks_;
  const int rank_;
  const CommOptions options_;
  std::atomic<bool> abort_{false};
  std::mutex opMutex_;  // one operation at a time; abort() waits on it after raising the flag
  std::thread initThread_;
  std::atomic<bool> ready_{false};
  std::mutex stateMutex_;
  Status state_;  // guarded by stateMutex_
  uint64_t seq_ = 0;

  std::unique_ptr<Device> device_;
  std::unique_ptr<Bootstrap> bootstrap_;
  std::unique_ptr<Connections> connections_;
};

}  // namespace fccl
