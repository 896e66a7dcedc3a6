// One NIC as the ofi net drives it: a fabric, a domain, and a single endpoint with its address
// vector and completion queue, shared by every connection of the device.
//
// One endpoint per device, not per connection: with tcp;ofi_rxm (and verbs;ofi_rxm) each
// endpoint brings its own listening socket and its own connections to every peer endpoint, so
// an endpoint per connection would multiply sockets by the connection count, and a completion
// queue per connection would have to be polled one by one. Connections on the shared endpoint
// are told apart by the connection id in every tag (ofi_tag.h).
//
// Progress: the providers progress data manually (FI_PROGRESS_MANUAL): a rendezvous transfer
// moves only while someone reads the completion queue. fccl may wait on another transport while
// a message is in flight here, so the device runs its own progress thread (what NCCL's proxy
// thread does), besides the progress every test() drives.
//
// Locking: one mutex per device (FI_THREAD_DOMAIN). Hooks take it; everything named "...Locked"
// or documented as such runs with it held.
#pragma once

#include <rdma/fabric.h>
#include <rdma/fi_domain.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/expected.h"
#include "fccl/fccl_net.h"
#include "transports/scaleout/fi_ptr.h"
#include "transports/scaleout/peer_liveness.h"
#include "transports/scaleout/reg_cache.h"

namespace fccl {

class OfiComm;
class OfiOp;
class OfiSendComm;
struct OfiRequest;

// A registration handed out as an mhandle. desc is nullptr when the provider needs none.
struct OfiMr {
  FiPtr<fid_mr> mr;
  void* desc = nullptr;
};

class OfiDevice {
 public:
  using LogFn = void (*)(fcclLogLevel_t, const char*);
  static Expected<std::unique_ptr<OfiDevice>> open(const fi_info& info, int index, LogFn log);
  ~OfiDevice();
  OfiDevice(const OfiDevice&) = delete;
  OfiDevice& operator=(const OfiDevice&) = delete;

  std::unique_lock<std::mutex> lock() { return std::unique_lock<std::mutex>(mutex_); }
  void log(fcclLogLevel_t level, const std::string& text) const;
  const std::string& describe() const { return describe_; }  // "tcp;ofi_rxm device 0 (lo)"

  // ---- With the lock held. ----
  fid_ep* ep() const { return ep_.get(); }
  uint64_t ctxId() const { return ctxId_; }
  std::span<const uint8_t> address() const { return {name_.data(), name_.size()}; }
  PeerLiveness& liveness() { return *liveness_; }
  bool needsLocalMr() const { return (info_->domain_attr->mr_mode & FI_MR_LOCAL) != 0; }

  Expected<uint32_t> allocConnId();
  Expected<fi_addr_t> insertAddress(std::span<const uint8_t> address);

  // Takes the op and posts it, behind any posts the provider deferred (FI_EAGAIN): ops reach the
  // provider in submit order. A post that fails outright fails the op.
  void submit(std::unique_ptr<OfiOp> op);
  // Posts an op the device already holds again (a ctrl receive after its completion).
  void resubmit(OfiOp* op);
  // Cancels a receive the provider holds (its completion comes back as FI_ECANCELED), or drops
  // an op still waiting to be posted. The op stays detached-safe either way.
  void cancel(OfiOp* op);
  // Posts waiting because the provider said FI_EAGAIN; callers apply back-pressure beyond a bound.
  bool congested() const { return deferred_.size() >= kMaxDeferred; }

  // Reads completions, retries deferred posts, watches peers. Returns how many events it handled.
  int progress();
  // progress() on behalf of a caller (test()): the progress thread stands aside meanwhile.
  int callerProgress();

  // Memory registrations (cached by range, reg_cache.h).
  Expected<OfiMr*> regMr(void* data, size_t bytes);
  // A registration whose last user deregisters while requests are outstanding (a receive posted
  // into it, say) is retired, and freed once no request is left, so the provider never uses a
  // closed MR.
  Status deregMr(OfiMr* mr);
  void freeRetiredMrs();
  bool knowsMr(OfiMr* mr) const { return mrs_.contains(mr); }
  // Registers memory the net owns (FI_MR_LOCAL providers); `desc` gets its descriptor.
  Expected<FiPtr<fid_mr>> registerRaw(void* data, size_t bytes, void** desc);

  // The objects the device owns on the caller's behalf, so finalize frees what was never closed.
  template <class C>
  C* adopt(std::unique_ptr<C> comm) {
    C* raw = comm.get();
    comms_.emplace(raw, std::move(comm));
    wake_.notify_all();
    return raw;
  }
  void drop(OfiComm* comm) { comms_.erase(comm); }
  OfiRequest* adopt(std::unique_ptr<OfiRequest> request);
  void drop(OfiRequest* request);
  bool owns(OfiRequest* request) const { return requests_.contains(request); }
  // Connects in progress, by (receiver device, listen id): connect() is called again and again
  // with the same handle and must find its comm.
  std::map<std::pair<uint64_t, uint32_t>, OfiSendComm*>& connecting() { return connecting_; }

 private:
  static constexpr size_t kMaxDeferred = 4096;
  static constexpr std::chrono::milliseconds kLivenessPeriod{10};
  static constexpr std::chrono::milliseconds kDeadPeerGrace{1000};

  OfiDevice(FiInfoPtr info, int index, LogFn log);
  Status start();
  void destroy(OfiOp* op);
  int drainCq();
  void readError();
  int flushDeferred();
  void checkPeers();
  void run();  // the progress thread

  FiInfoPtr info_;
  int index_;
  LogFn log_;
  std::string describe_;
  uint64_t ctxId_ = 0;
  // Declared in creation order: destroyed endpoint first, fabric last.
  FiPtr<fid_fabric> fabric_;
  FiPtr<fid_domain> domain_;
  FiPtr<fid_av> av_;
  FiPtr<fid_cq> cq_;
  FiPtr<fid_ep> ep_;
  std::vector<uint8_t> name_;
  std::unique_ptr<PeerLiveness> liveness_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::atomic<int64_t> lastCallerProgressNs_{0};
  std::thread thread_;

  uint32_t nextConnId_ = 1;
  uint64_t nextMrKey_ = 1;
  std::map<std::string, fi_addr_t> addresses_;  // by the peer's raw address bytes
  std::unordered_map<OfiOp*, std::unique_ptr<OfiOp>> ops_;
  std::deque<OfiOp*> deferred_;
  std::unordered_map<OfiComm*, std::unique_ptr<OfiComm>> comms_;
  std::unordered_map<OfiRequest*, std::unique_ptr<OfiRequest>> requests_;
  std::map<std::pair<uint64_t, uint32_t>, OfiSendComm*> connecting_;
  RegCache<OfiMr> mrCache_;
  std::unordered_set<OfiMr*> mrs_;
  std::vector<std::unique_ptr<OfiMr>> retired_;
  std::chrono::steady_clock::time_point lastLiveness_{};
};

}  // namespace fccl
