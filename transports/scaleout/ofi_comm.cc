#include "transports/scaleout/ofi_comm.h"

#include <chrono>
#include <string>
#include <thread>
#include <utility>

#include "transports/scaleout/ofi_device.h"
#include "transports/scaleout/ofi_ops.h"
#include "transports/scaleout/ofi_tag.h"

namespace fccl {
namespace {

constexpr int kCtrlRecvs = 8;          // standing ctrl receives per send comm
constexpr size_t kMaxWaiting = 4096;   // sends queued for their receive, per comm
// How long a close waits for sends the provider still holds (their receiver may have stopped
// taking them, as when a whole job aborts): short enough that fcclCommAbort stays well within
// its second, long enough for a live receiver to take what is already on the wire.
constexpr auto kCloseDrain = std::chrono::milliseconds(400);

std::string peerGone(PeerLiveness& liveness, uint64_t peer) {
  return "the peer is gone: " + liveness.why(peer);
}

// Frees a comm that never reached the caller (a failed connect).
void discard(OfiComm* comm) {
  for (OfiRequest* r : std::unordered_set<OfiRequest*>(comm->requests())) releaseRequest(r);
  comm->detachOps();
  comm->device().drop(comm);
}

}  // namespace

OfiComm* OfiComm::check(void* comm, Kind kind) {
  auto* c = static_cast<OfiComm*>(comm);
  if (!c || c->magic_ != kCommMagic || c->kind_ != kind) return nullptr;
  return c;
}

void OfiComm::fail(Status why) {
  if (failure_.isOk()) failure_ = std::move(why);
  for (OfiRequest* r : requests_)  // a request that finished before keeps its data
    if (r->left > 0 && r->failure.isOk()) r->failure = failure_;
}

void OfiComm::failSoon(Status why) {
  if (!failure_.isOk() || !pending_.isOk()) return;
  pending_ = std::move(why);
  pendingSince_ = std::chrono::steady_clock::now();
}

void OfiComm::detachOps() {
  for (OfiOp* op : std::unordered_set<OfiOp*>(std::move(ops_))) {
    op->detach();
    device_.cancel(op);
  }
  ops_.clear();
}

void OfiRequest::opDone(int index, size_t bytes) {
  sizes[index] = bytes;
  ops[index] = nullptr;
  --left;
}

void OfiRequest::opFailed(int index, Status why) {
  ops[index] = nullptr;
  --left;
  if (failure.isOk()) failure = std::move(why);
}

// ---- listen / accept ----

Expected<OfiListenComm*> OfiListenComm::create(OfiDevice& device,
                                               std::span<std::byte, FCCL_NET_HANDLE_MAXSIZE> handle) {
  FCCL_ASSIGN_OR_RETURN(uint32_t id, device.allocConnId());
  auto* listen = device.adopt(std::make_unique<OfiListenComm>(device, Kind::kListen, id));
  auto op = std::make_unique<ConnectRecvOp>(device, listen, makeTag(TagKind::kConnect, id, 0, 0));
  listen->track(op.get());
  device.submit(std::move(op));
  if (!listen->failure().isOk()) {
    Status why = listen->failure();
    discard(listen);
    return why;
  }
  OfiHandle h;
  h.listenId = id;
  h.ctxId = device.ctxId();
  h.watch = device.liveness().address();
  const auto address = device.address();
  h.addrLen = static_cast<uint16_t>(address.size());
  std::copy(address.begin(), address.end(), h.addr);
  encodeHandle(h, handle);
  return listen;
}

void OfiListenComm::connectArrived(const ConnectMsg& msg, size_t bytes) {
  Status s = checkConnectMsg(msg, bytes, id_, device_.ctxId());
  if (!s.isOk()) {
    fail(std::move(s));
    return;
  }
  msg_ = msg;
  arrived_ = true;
}

Expected<OfiRecvComm*> OfiListenComm::accept() {
  if (!failure_.isOk()) return failure_;
  if (accepted_) return Status(Code::kInvalidUsage, "this listen comm has already accepted its connection");
  if (!arrived_) return static_cast<OfiRecvComm*>(nullptr);
  PeerLiveness& liveness = device_.liveness();
  switch (liveness.state(msg_.senderCtxId)) {
    case PeerLiveness::State::kDead: return Status(Code::kRemote, peerGone(liveness, msg_.senderCtxId));
    case PeerLiveness::State::kAlive: break;
    default: return static_cast<OfiRecvComm*>(nullptr);  // the sender's liveness watch is on its way
  }
  FCCL_ASSIGN_OR_RETURN(fi_addr_t peer, device_.insertAddress({msg_.addr, msg_.addrLen}));
  accepted_ = true;
  const uint64_t senderCtx = msg_.senderCtxId;  // copies: the message is packed
  const uint32_t senderConn = msg_.senderConnId;
  return device_.adopt(std::make_unique<OfiRecvComm>(device_, id_, senderCtx, peer, senderConn));
}

// ---- connect / isend ----

Expected<OfiSendComm*> OfiSendComm::connect(OfiDevice& device, const OfiHandle& handle) {
  const auto key = std::make_pair(handle.ctxId, handle.listenId);
  auto& connecting = device.connecting();
  OfiSendComm* comm = nullptr;
  if (auto it = connecting.find(key); it != connecting.end()) {
    comm = it->second;
  } else {
    if (device.liveness().state(handle.ctxId) == PeerLiveness::State::kDead)
      return Status(Code::kRemote, peerGone(device.liveness(), handle.ctxId));
    FCCL_ASSIGN_OR_RETURN(fi_addr_t peer, device.insertAddress({handle.addr, handle.addrLen}));
    FCCL_ASSIGN_OR_RETURN(uint32_t id, device.allocConnId());
    comm = device.adopt(std::make_unique<OfiSendComm>(device, id, handle, peer));
    connecting.emplace(key, comm);
    if (Status s = comm->start(); !s.isOk()) comm->fail(std::move(s));
  }
  if (!comm->failure().isOk()) {
    Status why = comm->failure();
    connecting.erase(key);
    discard(comm);
    return why;
  }
  if (!comm->ready()) return static_cast<OfiSendComm*>(nullptr);
  connecting.erase(key);
  return comm;
}

Status OfiSendComm::start() {
  for (int i = 0; i < kCtrlRecvs; ++i) {
    auto op = std::make_unique<CtrlRecvOp>(device_, this, makeTag(TagKind::kCtrl, id_, 0, 0));
    track(op.get());
    device_.submit(std::move(op));
  }
  const ConnectMsg msg = makeConnectMsg(handle_.listenId, id_, handle_.ctxId, device_.ctxId(), device_.address());
  auto op = std::make_unique<ConnectSendOp>(device_, this, msg, peer_, makeTag(TagKind::kConnect, handle_.listenId, 0, 0));
  track(op.get());
  device_.submit(std::move(op));
  FCCL_TRY(device_.liveness().watch(handle_.ctxId, handle_.watch));
  return failure_;
}

bool OfiSendComm::ready() const {
  return connectSent_ && device_.liveness().state(handle_.ctxId) == PeerLiveness::State::kAlive;
}

bool OfiSendComm::posted(uint32_t tag, uint32_t seq) const {
  auto it = postedUpTo_.find(tag);
  return it != postedUpTo_.end() && static_cast<int32_t>(seq - it->second) < 0;
}

Expected<OfiRequest*> OfiSendComm::isend(void* data, size_t size, uint32_t tag, OfiMr* mr) {
  if (!failure_.isOk()) return failure_;
  if (tag > FCCL_NET_MAX_TAG)
    return Status(Code::kInvalidArgument, "tag " + std::to_string(tag) + " is above FCCL_NET_MAX_TAG");
  if (!mr && size > 0 && device_.needsLocalMr())
    return Status(Code::kInvalidArgument, device_.describe() + " sends only from registered memory (regMr)");
  if (device_.congested() || waiting_.size() >= kMaxWaiting) return static_cast<OfiRequest*>(nullptr);
  auto* request = device_.adopt(std::make_unique<OfiRequest>(device_, this, 1));
  requests_.insert(request);
  const uint32_t seq = nextSeq_[tag]++;
  auto op = std::make_unique<DataOp>(device_, request, 0, false, data, size, mr ? mr->desc : nullptr, peer_,
                                     makeTag(TagKind::kData, handle_.listenId, tag, seq));
  request->ops[0] = op.get();
  if (posted(tag, seq)) device_.submit(std::move(op));  // an earlier send of this tag is posted already
  else waiting_.push_back({std::move(op), request, tag, seq});
  return request;
}

void OfiSendComm::ctrlArrived(const CtrlMsg& msg, size_t bytes) {
  if (!failure_.isOk()) return;
  if (Status s = checkCtrlMsg(msg, bytes); !s.isOk()) {
    fail(std::move(s));
    return;
  }
  for (uint32_t i = 0; i < msg.count; ++i) {
    const uint32_t upTo = msg.entries[i].seq + 1;
    auto [it, added] = postedUpTo_.try_emplace(msg.entries[i].tag, upTo);
    if (!added && static_cast<int32_t>(upTo - it->second) > 0) it->second = upTo;
  }
  // Sends of one tag wait in sequence order and become eligible in that order; sends of other
  // tags may pass them.
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    if (posted(it->tag, it->seq)) {
      device_.submit(std::move(it->op));
      it = waiting_.erase(it);
    } else {
      ++it;
    }
  }
}

void OfiSendComm::fail(Status why) {
  OfiComm::fail(std::move(why));
  dropWaiting();
}

void OfiSendComm::dropWaiting() {
  for (Waiting& w : waiting_) w.request->opFailed(0, failure_.isOk() ? Status(Code::kAborted, "comm closed") : failure_);
  waiting_.clear();
}

void OfiSendComm::forget(OfiRequest* request) {
  for (auto it = waiting_.begin(); it != waiting_.end();)
    it = it->request == request ? waiting_.erase(it) : std::next(it);
  OfiComm::forget(request);
}

// ---- irecv ----

Expected<OfiRequest*> OfiRecvComm::irecv(int n, void** data, const size_t* sizes, const uint32_t* tags, OfiMr** mrs) {
  if (!failure_.isOk()) return failure_;
  if (n < 1 || n > FCCL_NET_MAX_RECVS)
    return Status(Code::kInvalidArgument, "irecv of " + std::to_string(n) + " buffers (1 to " +
                                              std::to_string(FCCL_NET_MAX_RECVS) + ")");
  for (int i = 0; i < n; ++i) {
    if (tags[i] > FCCL_NET_MAX_TAG)
      return Status(Code::kInvalidArgument, "tag " + std::to_string(tags[i]) + " is above FCCL_NET_MAX_TAG");
    if (!mrs[i] && sizes[i] > 0 && device_.needsLocalMr())
      return Status(Code::kInvalidArgument, device_.describe() + " receives only into registered memory (regMr)");
  }
  if (device_.congested()) return static_cast<OfiRequest*>(nullptr);
  auto* request = device_.adopt(std::make_unique<OfiRequest>(device_, this, n));
  requests_.insert(request);
  for (int i = 0; i < n; ++i) {
    const uint32_t seq = nextSeq_[tags[i]]++;
    unannounced_.push_back({tags[i], seq});
    auto op = std::make_unique<DataOp>(device_, request, i, true, data[i], sizes[i], mrs[i] ? mrs[i]->desc : nullptr,
                                       FI_ADDR_UNSPEC, makeTag(TagKind::kData, id_, tags[i], seq));
    request->ops[i] = op.get();
    device_.submit(std::move(op));
  }
  announceIfLow();
  return request;
}

void OfiRecvComm::dataArrived() {
  ++arrived_;
  announceIfLow();
}

// The sender holds at most announced_ - arrived_ unused announcements. Once that is no more
// than what we hold back, it may be about to wait, so we tell it everything; otherwise one ctrl
// message later carries several receives. Checked whenever either side of the comparison
// moves, so a sender never waits on a buffer posted but not announced.
void OfiRecvComm::announceIfLow() {
  if (unannounced_.empty() || announced_ - arrived_ > unannounced_.size()) return;
  size_t next = 0;
  while (next < unannounced_.size()) {
    CtrlMsg ctrl{};
    ctrl.magic = kCtrlMagic;
    const size_t count = std::min<size_t>(FCCL_NET_MAX_RECVS, unannounced_.size() - next);
    ctrl.count = static_cast<uint32_t>(count);
    for (size_t i = 0; i < count; ++i) ctrl.entries[i] = unannounced_[next + i];
    next += count;
    // Submitted after the receives it names, so it reaches the provider after them (submit
    // keeps order).
    auto op = std::make_unique<CtrlSendOp>(device_, this, ctrl, peer_, makeTag(TagKind::kCtrl, peerConnId_, 0, ctrlSeq_++));
    track(op.get());
    device_.submit(std::move(op));
  }
  announced_ += unannounced_.size();
  unannounced_.clear();
}

void OfiRecvComm::fail(Status why) {
  OfiComm::fail(std::move(why));
  // Nothing more may land in the caller's buffers.
  for (OfiRequest* r : requests_)
    for (OfiOp* op : r->ops)
      if (op) device_.cancel(op);
}

// ---- requests and closing ----

Expected<bool> testRequest(OfiRequest* request, size_t* sizes) {
  if (!request->failure.isOk()) {
    Status why = request->failure;
    releaseRequest(request);
    return why;
  }
  if (request->left > 0) return false;
  if (sizes)
    for (int i = 0; i < request->n; ++i) sizes[i] = request->sizes[i];
  releaseRequest(request);
  return true;
}

void releaseRequest(OfiRequest* request) {
  for (OfiOp*& op : request->ops) {
    if (!op) continue;
    op->detach();
    request->device.cancel(op);  // a receive stops writing; a send not yet posted is dropped
    op = nullptr;
  }
  if (request->comm) request->comm->forget(request);
  request->device.drop(request);
}

void closeComm(OfiComm* comm, std::unique_lock<std::mutex>& lock) {
  OfiDevice& device = comm->device();
  auto& connecting = device.connecting();
  for (auto it = connecting.begin(); it != connecting.end();)
    it = it->second == comm ? connecting.erase(it) : std::next(it);
  if (comm->kind() == OfiComm::Kind::kSend) static_cast<OfiSendComm*>(comm)->dropWaiting();
  // Receives are cancelled; sends the provider holds run on. Either way, wait (bounded, and not
  // at all for a dead peer) until the provider has let go of the caller's buffers.
  for (OfiRequest* r : comm->requests())
    for (OfiOp* op : r->ops)
      if (op && op->isRecv()) device.cancel(op);
  auto inFlight = [&] {
    for (OfiRequest* r : comm->requests())
      if (r->left > 0) return true;
    return false;
  };
  const auto end = std::chrono::steady_clock::now() + kCloseDrain;
  while (inFlight() && comm->failure().isOk() && std::chrono::steady_clock::now() < end) {
    lock.unlock();
    std::this_thread::sleep_for(std::chrono::microseconds(100));
    lock.lock();
    device.progress();
  }
  for (OfiRequest* r : std::unordered_set<OfiRequest*>(comm->requests())) releaseRequest(r);
  comm->detachOps();
  device.drop(comm);
  device.freeRetiredMrs();
}

}  // namespace fccl
