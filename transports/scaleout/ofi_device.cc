#include "transports/scaleout/ofi_device.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <rdma/fi_cm.h>
#include <rdma/fi_endpoint.h>
#include <rdma/fi_errno.h>
#include <time.h>

#include <cstring>
#include <random>

#include "common/thread_placement.h"
#include "transports/scaleout/ofi_comm.h"
#include "transports/scaleout/ofi_ops.h"
#include "transports/scaleout/ofi_tag.h"

namespace fccl {
namespace {

constexpr int kCqBatch = 32;
constexpr int kCqRounds = 16;  // a progress call handles at most kCqBatch * kCqRounds completions
constexpr long kMinIdleSleepNs = 20000;
constexpr long kMaxIdleSleepNs = 1000000;
// A caller that progressed this recently is still waiting on the net, and keeps progressing.
// While callers are active the thread only wakes this often to look: every wake-up is a
// context switch onto a core whose owner is busy polling, and at 200 us they took a quarter
// of an 8-byte all-reduce between two emulated hosts (16-18 -> 12.5 us at 2 ms) and a third of
// a 16 MiB one's bandwidth. The price: a transfer left to the thread (the caller now waits on
// another transport) may sit up to this long before the thread takes it over.
constexpr int64_t kCallerActiveNs = 2000000;

int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Status fiError(const std::string& what, int rc) {
  return Status(Code::kSystem, what + ": " + fi_strerror(rc < 0 ? -rc : rc));
}

uint64_t randomId() {
  std::random_device rd;
  uint64_t id = 0;
  while (id == 0) id = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  return id;
}

WatchAddress fromSockaddr(const sockaddr* sa) {
  WatchAddress a;
  if (sa->sa_family == AF_INET6) {
    a.family = 6;
    std::memcpy(a.ip, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, 16);
  } else {
    a.family = 4;
    std::memcpy(a.ip, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, 4);
  }
  return a;
}

// Where this device's liveness listener lives: the endpoint's own IP when the provider speaks
// IP (tcp, verbs over IPoIB), loopback for shm (its peers share this kernel), else the first
// non-loopback IPv4 address of the host.
WatchAddress chooseWatchAddress(const fi_info& info, const std::vector<uint8_t>& name) {
  if ((info.addr_format == FI_SOCKADDR_IN || info.addr_format == FI_SOCKADDR_IN6 ||
       info.addr_format == FI_SOCKADDR) &&
      name.size() >= sizeof(sockaddr_in)) {
    const auto* sa = reinterpret_cast<const sockaddr*>(name.data());
    const bool v6 = sa->sa_family == AF_INET6 && name.size() >= sizeof(sockaddr_in6);
    if (sa->sa_family == AF_INET ||
        (v6 && !IN6_IS_ADDR_LINKLOCAL(&reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr)))
      return fromSockaddr(sa);
  }
  WatchAddress loopback;
  loopback.family = 4;
  const in_addr lo{htonl(INADDR_LOOPBACK)};
  std::memcpy(loopback.ip, &lo, 4);
  if (!std::strcmp(info.fabric_attr->prov_name, "shm")) return loopback;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return loopback;
  WatchAddress found = loopback;
  for (ifaddrs* i = list; i; i = i->ifa_next)
    if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET && (i->ifa_flags & IFF_UP) && !(i->ifa_flags & IFF_LOOPBACK)) {
      found = fromSockaddr(i->ifa_addr);
      break;
    }
  freeifaddrs(list);
  return found;
}

}  // namespace

OfiDevice::OfiDevice(FiInfoPtr info, int index, LogFn log) : info_(std::move(info)), index_(index), log_(log) {
  describe_ = std::string(info_->fabric_attr->prov_name) + " device " + std::to_string(index_) + " (" +
              info_->domain_attr->name + ")";
}

Expected<std::unique_ptr<OfiDevice>> OfiDevice::open(const fi_info& info, int index, LogFn log) {
  FiInfoPtr copy(fi_dupinfo(&info));
  if (!copy) return Status(Code::kSystem, "fi_dupinfo failed");
  std::unique_ptr<OfiDevice> device(new OfiDevice(std::move(copy), index, log));
  if (Status s = device->start(); !s.isOk()) return std::move(s).context("opening " + device->describe());
  return device;
}

Status OfiDevice::start() {
  fid_fabric* fabric = nullptr;
  if (int rc = fi_fabric(info_->fabric_attr, &fabric, nullptr)) return fiError("fi_fabric", rc);
  fabric_.reset(fabric);
  fid_domain* domain = nullptr;
  if (int rc = fi_domain(fabric_.get(), info_.get(), &domain, nullptr)) return fiError("fi_domain", rc);
  domain_.reset(domain);
  fi_av_attr avAttr{};
  avAttr.type = FI_AV_TABLE;
  fid_av* av = nullptr;
  if (int rc = fi_av_open(domain_.get(), &avAttr, &av, nullptr)) return fiError("fi_av_open", rc);
  av_.reset(av);
  fi_cq_attr cqAttr{};
  cqAttr.format = FI_CQ_FORMAT_TAGGED;
  cqAttr.wait_obj = FI_WAIT_NONE;
  fid_cq* cq = nullptr;
  if (int rc = fi_cq_open(domain_.get(), &cqAttr, &cq, nullptr)) return fiError("fi_cq_open", rc);
  cq_.reset(cq);
  fid_ep* ep = nullptr;
  if (int rc = fi_endpoint(domain_.get(), info_.get(), &ep, nullptr)) return fiError("fi_endpoint", rc);
  ep_.reset(ep);
  if (int rc = fi_ep_bind(ep_.get(), &av_->fid, 0)) return fiError("binding the address vector", rc);
  if (int rc = fi_ep_bind(ep_.get(), &cq_->fid, FI_TRANSMIT | FI_RECV)) return fiError("binding the CQ", rc);
  if (int rc = fi_enable(ep_.get())) return fiError("fi_enable", rc);
  name_.resize(256);
  size_t len = name_.size();
  if (int rc = fi_getname(&ep_->fid, name_.data(), &len)) return fiError("fi_getname", rc);
  if (len > kMaxEpAddrBytes)
    return Status(Code::kInternal, "endpoint address of " + std::to_string(len) + " bytes does not fit a handle");
  name_.resize(len);
  ctxId_ = randomId();
  FCCL_ASSIGN_OR_RETURN(liveness_, PeerLiveness::create(ctxId_, chooseWatchAddress(*info_, name_)));
  thread_ = std::thread([this] {
    placeProgressThread("scale-out progress");
    run();
  });
  char addr[128] = "?";
  size_t addrLen = sizeof(addr);
  fi_av_straddr(av_.get(), name_.data(), addr, &addrLen);
  log(fcclLogInfo, "opened " + describe_ + " at " + addr);
  return Status::ok();
}

OfiDevice::~OfiDevice() {
  {
    std::lock_guard<std::mutex> guard(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  // The endpoint goes first: once it is closed the provider holds no op, no buffer, no MR use.
  ep_.reset();
  deferred_.clear();
  connecting_.clear();
  requests_.clear();
  comms_.clear();
  ops_.clear();
  mrs_.clear();
  retired_.clear();
}

void OfiDevice::log(fcclLogLevel_t level, const std::string& text) const {
  if (log_) log_(level, text.c_str());
}

Expected<uint32_t> OfiDevice::allocConnId() {
  if (nextConnId_ > kMaxConnId)
    return Status(Code::kInvalidUsage, describe_ + " has used all " + std::to_string(kMaxConnId) + " connection ids");
  return nextConnId_++;
}

Expected<fi_addr_t> OfiDevice::insertAddress(std::span<const uint8_t> address) {
  std::string key(reinterpret_cast<const char*>(address.data()), address.size());
  if (auto it = addresses_.find(key); it != addresses_.end()) return it->second;
  fi_addr_t addr = FI_ADDR_NOTAVAIL;
  const int rc = fi_av_insert(av_.get(), key.data(), 1, &addr, 0, nullptr);
  if (rc != 1) return Status(Code::kRemote, describe_ + ": the peer's address does not insert into the address vector");
  addresses_.emplace(std::move(key), addr);
  return addr;
}

void OfiDevice::submit(std::unique_ptr<OfiOp> op) {
  OfiOp* raw = op.get();
  ops_.emplace(raw, std::move(op));
  if (!deferred_.empty()) {
    deferred_.push_back(raw);
    return;
  }
  const ssize_t rc = raw->post();
  if (rc == -FI_EAGAIN) {
    deferred_.push_back(raw);
  } else if (rc != 0) {
    raw->fail(static_cast<int>(-rc), "posting");
    destroy(raw);
  }
}

void OfiDevice::resubmit(OfiOp* op) {
  auto owned = ops_.find(op);
  if (owned == ops_.end()) return;
  std::unique_ptr<OfiOp> keep = std::move(owned->second);
  ops_.erase(owned);
  submit(std::move(keep));
}

void OfiDevice::cancel(OfiOp* op) {
  if (!ops_.contains(op)) return;  // not with the device (a send waiting in its comm), or done
  op->markCancelled();
  for (auto it = deferred_.begin(); it != deferred_.end(); ++it)
    if (*it == op) {
      deferred_.erase(it);
      op->fail(FI_ECANCELED, "");
      destroy(op);
      return;
    }
  if (op->isRecv()) fi_cancel(&ep_->fid, op->context());
}

void OfiDevice::destroy(OfiOp* op) { ops_.erase(op); }

OfiRequest* OfiDevice::adopt(std::unique_ptr<OfiRequest> request) {
  OfiRequest* raw = request.get();
  requests_.emplace(raw, std::move(request));
  return raw;
}

void OfiDevice::drop(OfiRequest* request) { requests_.erase(request); }

int OfiDevice::callerProgress() {
  lastCallerProgressNs_.store(nowNs(), std::memory_order_relaxed);
  return progress();
}

int OfiDevice::progress() {
  int handled = drainCq();
  handled += flushDeferred();
  const auto now = std::chrono::steady_clock::now();
  if (now - lastLiveness_ >= kLivenessPeriod) {
    lastLiveness_ = now;
    liveness_->poll();
    checkPeers();
  }
  return handled;
}

int OfiDevice::drainCq() {
  fi_cq_tagged_entry entries[kCqBatch];
  int handled = 0;
  for (int round = 0; round < kCqRounds; ++round) {
    const ssize_t n = fi_cq_read(cq_.get(), entries, kCqBatch);
    if (n == -FI_EAVAIL) {
      readError();
      ++handled;
      continue;
    }
    if (n <= 0) break;  // -FI_EAGAIN: empty; another error: the next call tries again
    for (ssize_t i = 0; i < n; ++i) {
      OfiOp* op = OfiOp::fromContext(entries[i].op_context);
      if (op->complete(entries[i])) destroy(op);
    }
    handled += static_cast<int>(n);
    if (n < kCqBatch) break;
  }
  return handled;
}

void OfiDevice::readError() {
  fi_cq_err_entry err{};
  if (fi_cq_readerr(cq_.get(), &err, 0) != 1 || !err.op_context) return;
  OfiOp* op = OfiOp::fromContext(err.op_context);
  std::string what;
  if (err.err == FI_ETRUNC) {
    what = std::to_string(err.olen) + " bytes more than the buffer holds";
  } else if (err.err != FI_ECANCELED) {
    const char* text = fi_cq_strerror(cq_.get(), err.prov_errno, err.err_data, nullptr, 0);
    what = std::string(info_->fabric_attr->prov_name) + ": " + (text ? text : "no detail");
  }
  op->fail(err.err, what);
  destroy(op);
}

int OfiDevice::flushDeferred() {
  int posted = 0;
  while (!deferred_.empty()) {
    OfiOp* op = deferred_.front();
    const ssize_t rc = op->post();
    if (rc == -FI_EAGAIN) break;
    deferred_.pop_front();
    ++posted;
    if (rc != 0) {
      op->fail(static_cast<int>(-rc), "posting");
      destroy(op);
    }
  }
  return posted;
}

// A peer reported dead fails its comms once the grace period has passed, and so does a failure
// a comm put off (failSoon): what the peer sent before it went has had time to be received.
void OfiDevice::checkPeers() {
  const auto now = std::chrono::steady_clock::now();
  for (auto& [raw, comm] : comms_) {
    if (!raw->failure().isOk()) continue;
    if (!raw->pendingFailure().isOk() && now - raw->pendingSince() >= kDeadPeerGrace) {
      raw->fail(raw->pendingFailure());
      continue;
    }
    const uint64_t peer = raw->peerCtx();
    if (!peer || liveness_->state(peer) != PeerLiveness::State::kDead) continue;
    if (now - liveness_->deadSince(peer) < kDeadPeerGrace) continue;
    raw->fail(Status(Code::kRemote, "the peer is gone: " + liveness_->why(peer)));
  }
}

Expected<FiPtr<fid_mr>> OfiDevice::registerRaw(void* data, size_t bytes, void** desc) {
  fid_mr* mr = nullptr;
  const uint64_t access = FI_SEND | FI_RECV;
  if (int rc = fi_mr_reg(domain_.get(), data, bytes, access, 0, nextMrKey_++, 0, &mr, nullptr))
    return fiError("fi_mr_reg of " + std::to_string(bytes) + " bytes", rc);
  FiPtr<fid_mr> owned(mr);
  if (info_->domain_attr->mr_mode & FI_MR_ENDPOINT) {
    if (int rc = fi_mr_bind(mr, &ep_->fid, 0)) return fiError("fi_mr_bind", rc);
    if (int rc = fi_mr_enable(mr)) return fiError("fi_mr_enable", rc);
  }
  *desc = fi_mr_desc(mr);
  return owned;
}

Expected<OfiMr*> OfiDevice::regMr(void* data, size_t bytes) {
  if (OfiMr* cached = mrCache_.acquire(data, bytes)) return cached;
  auto reg = std::make_unique<OfiMr>();
  auto mr = registerRaw(data, bytes, &reg->desc);
  if (mr.isOk()) {
    reg->mr = std::move(mr).take();
  } else if (needsLocalMr()) {
    return std::move(mr).takeStatus().context(describe_);
  } else {
    reg->desc = nullptr;  // the provider needs no registration; go without
    log(fcclLogTrace, describe_ + ": registration failed (" + mr.status().message() + "), using none");
  }
  FCCL_ASSIGN_OR_RETURN(OfiMr * raw, mrCache_.insert(data, bytes, std::move(reg)));
  mrs_.insert(raw);
  return raw;
}

Status OfiDevice::deregMr(OfiMr* mr) {
  FCCL_ASSIGN_OR_RETURN(std::unique_ptr<OfiMr> last, mrCache_.release(mr));
  if (!last) return Status::ok();
  mrs_.erase(mr);
  retired_.push_back(std::move(last));
  freeRetiredMrs();
  return Status::ok();
}

void OfiDevice::freeRetiredMrs() {
  if (requests_.empty()) retired_.clear();
}

void OfiDevice::run() {
  long sleepNs = kMinIdleSleepNs;
  while (true) {
    // While callers drive progress through test(), the thread stays off the lock: on few cores
    // contending for it would only delay the caller that waits for the completion.
    const int64_t sinceCaller = nowNs() - lastCallerProgressNs_.load(std::memory_order_relaxed);
    if (sinceCaller < kCallerActiveNs) {
      timespec ts{0, static_cast<long>(kCallerActiveNs - sinceCaller)};
      nanosleep(&ts, nullptr);
      continue;
    }
    std::unique_lock<std::mutex> lock(mutex_);
    if (stop_) return;
    if (progress() > 0) {
      sleepNs = kMinIdleSleepNs;
      lock.unlock();
      sched_yield();
      continue;
    }
    if (comms_.empty()) {  // nothing can arrive for us: sleep until a comm appears
      wake_.wait_for(lock, std::chrono::milliseconds(100));
      continue;
    }
    lock.unlock();
    timespec ts{0, sleepNs};
    nanosleep(&ts, nullptr);
    sleepNs = std::min(sleepNs * 2, kMaxIdleSleepNs);
  }
}

}  // namespace fccl
