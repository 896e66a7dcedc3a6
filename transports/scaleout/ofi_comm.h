// The ofi net's connections and requests, and the protocol between them.
//
// Connecting. listen() reserves a connection id on the device's endpoint, posts a receive for
// the connect message tagged with it, and writes a handle: the endpoint address, the id, the
// device's random identity and its liveness address. connect() inserts the receiver into the
// address vector, posts the sender's standing ctrl receives, sends the connect message (the
// sender's address and its own connection id) and opens a liveness watch (peer_liveness.h); it
// reports the comm once the message is sent and the watch is up. accept() reports the receive
// comm once the connect message has arrived and a watch to the sender exists.
//
// Matching. A message is tagged (connection, user tag, sequence number within that tag) on
// both sides (ofi_tag.h), so the k-th send of a tag lands in the k-th receive posted for it
// whatever order the provider delivers in.
//
// Flow control. Ctrl messages tell the sender, per buffer, the tag and sequence number now
// posted. One goes out once the sender may be short of announced receives (see announceIfLow),
// so a stream of chunks costs a ctrl message per several receives, not one each. An isend
// whose (tag, seq) the receiver has not yet announced waits in its comm's queue, and goes to
// the provider when the ctrl message arrives. So
// no message ever reaches a receiver before its buffer does: the receiver never buffers
// unexpected data, and a sender can be ahead of the receiver by at most the receives the
// receiver chose to post. This is NCCL's net contract (a send waits for the receiver's buffer);
// keeping it inside the net gives every caller the guarantee without a protocol of its own.
//
// Failure. A comm fails (sticky) on an error completion of one of its operations, or when the
// liveness watch says the peer is gone. A dead peer fails a comm only after a grace period in
// which progress continues, so data the peer sent before it died is still received.
//
// Every function here runs with the device lock held.
#pragma once

#include <rdma/fabric.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/expected.h"
#include "fccl/fccl_net.h"
#include "transports/scaleout/ofi_ops.h"
#include "transports/scaleout/ofi_wire.h"

namespace fccl {

class OfiDevice;
struct OfiMr;
struct OfiRequest;
class OfiRecvComm;

constexpr uint32_t kCommMagic = 0x6d6d6f63;     // "comm"
constexpr uint32_t kRequestMagic = 0x74716572;  // "reqt"

class OfiComm {
 public:
  enum class Kind { kListen, kSend, kRecv };
  OfiComm(OfiDevice& device, Kind kind, uint32_t id) : device_(device), kind_(kind), id_(id) {}
  virtual ~OfiComm() = default;
  OfiComm(const OfiComm&) = delete;
  OfiComm& operator=(const OfiComm&) = delete;

  // A comm pointer the caller handed back, checked as far as a pointer can be.
  static OfiComm* check(void* comm, Kind kind);
  OfiDevice& device() const { return device_; }
  Kind kind() const { return kind_; }
  uint32_t id() const { return id_; }
  const Status& failure() const { return failure_; }
  // The device at the other end (0 for a listen comm): the one liveness watches.
  virtual uint64_t peerCtx() const { return 0; }
  // Fails the comm and everything outstanding on it; the first failure sticks.
  virtual void fail(Status why);
  // A failure that may only be the far end closing after its last message (a ctrl message that
  // finds the sender gone): the device fails the comm after the dead-peer grace, so what the peer
  // sent before is still received.
  void failSoon(Status why);
  const Status& pendingFailure() const { return pending_; }
  std::chrono::steady_clock::time_point pendingSince() const { return pendingSince_; }
  // Internal ops (connect and ctrl messages) that point back at this comm. An op ending calls
  // opEnded(); the comm closing detaches the rest (cancelling receives).
  void track(OfiOp* op) { ops_.insert(op); }
  void opEnded(OfiOp* op) { ops_.erase(op); }
  virtual void detachOps();
  // The requests outstanding on the comm (none on a listen comm).
  const std::unordered_set<OfiRequest*>& requests() const { return requests_; }
  // The request is being released: the comm lets go of it.
  virtual void forget(OfiRequest* request) { requests_.erase(request); }

 protected:
  uint32_t magic_ = kCommMagic;
  OfiDevice& device_;
  Kind kind_;
  uint32_t id_;
  Status failure_;
  Status pending_;
  std::chrono::steady_clock::time_point pendingSince_{};
  std::unordered_set<OfiOp*> ops_;
  std::unordered_set<OfiRequest*> requests_;
};

// One isend or irecv: n buffers, one op each.
struct OfiRequest {
  OfiRequest(OfiDevice& device, OfiComm* comm, int n) : device(device), comm(comm), n(n), left(n) {}
  // Called by its ops as they end; `index` is the op's buffer.
  void opDone(int index, size_t bytes);
  void opFailed(int index, Status why);
  bool finished() const { return left == 0 || !failure.isOk(); }

  uint32_t magic = kRequestMagic;
  OfiDevice& device;
  OfiComm* comm;
  int n;
  int left;        // ops not finished
  size_t sizes[FCCL_NET_MAX_RECVS] = {};
  OfiOp* ops[FCCL_NET_MAX_RECVS] = {};  // ops the provider still holds (or that wait to be posted)
  Status failure;
};

class OfiListenComm final : public OfiComm {
 public:
  using OfiComm::OfiComm;
  // Reserves an id, posts the connect receive and writes the handle.
  static Expected<OfiListenComm*> create(OfiDevice& device, std::span<std::byte, FCCL_NET_HANDLE_MAXSIZE> handle);
  // The receive comm once the sender has connected, nullptr until then.
  Expected<OfiRecvComm*> accept();
  void connectArrived(const ConnectMsg& msg, size_t bytes);

 private:
  bool arrived_ = false;
  bool accepted_ = false;
  ConnectMsg msg_{};
};

class OfiSendComm final : public OfiComm {
 public:
  OfiSendComm(OfiDevice& device, uint32_t id, const OfiHandle& handle, fi_addr_t peer)
      : OfiComm(device, Kind::kSend, id), handle_(handle), peer_(peer) {}
  // nullptr while connecting; see the file comment.
  static Expected<OfiSendComm*> connect(OfiDevice& device, const OfiHandle& handle);
  Expected<OfiRequest*> isend(void* data, size_t size, uint32_t tag, OfiMr* mr);

  uint64_t peerCtx() const override { return handle_.ctxId; }
  void fail(Status why) override;
  void forget(OfiRequest* request) override;
  void connectSent() { connectSent_ = true; }
  void ctrlArrived(const CtrlMsg& msg, size_t bytes);
  // Drops the sends still waiting for their receive (the comm is closing).
  void dropWaiting();

 private:
  Status start();
  bool ready() const;
  bool posted(uint32_t tag, uint32_t seq) const;
  void sendWaiting();

  OfiHandle handle_;
  fi_addr_t peer_;
  bool connectSent_ = false;
  std::unordered_map<uint32_t, uint32_t> nextSeq_;     // per tag: the next send's number
  std::unordered_map<uint32_t, uint32_t> postedUpTo_;  // per tag: receives below this are posted
  struct Waiting {
    std::unique_ptr<OfiOp> op;
    OfiRequest* request;
    uint32_t tag;
    uint32_t seq;
  };
  std::deque<Waiting> waiting_;  // sends whose receive is not posted yet, in isend order
};

class OfiRecvComm final : public OfiComm {
 public:
  OfiRecvComm(OfiDevice& device, uint32_t id, uint64_t peerCtx, fi_addr_t peer, uint32_t peerConnId)
      : OfiComm(device, Kind::kRecv, id), peerCtx_(peerCtx), peer_(peer), peerConnId_(peerConnId) {}
  Expected<OfiRequest*> irecv(int n, void** data, const size_t* sizes, const uint32_t* tags, OfiMr** mrs);

  uint64_t peerCtx() const override { return peerCtx_; }
  void fail(Status why) override;
  // A posted receive has filled.
  void dataArrived();

 private:
  void announceIfLow();

  uint64_t peerCtx_;
  fi_addr_t peer_;
  uint32_t peerConnId_;
  uint32_t ctrlSeq_ = 0;
  std::unordered_map<uint32_t, uint32_t> nextSeq_;  // per tag: the next receive's number
  std::vector<CtrlMsg::Entry> unannounced_;         // posted, not yet named in a ctrl message
  uint64_t announced_ = 0;                          // receives named in ctrl messages so far
  uint64_t arrived_ = 0;                            // receives filled so far
};

// test(): true and sizes filled when done; false while in flight; the request's failure.
// A finished or failed request is released.
Expected<bool> testRequest(OfiRequest* request, size_t* sizes);
// Releases a request the caller gave up (or whose comm closes): detaches its ops, cancelling
// receives, and frees it.
void releaseRequest(OfiRequest* request);
// Closes a comm: cancels its receives, waits (a bounded time, the lock released meanwhile) for
// the provider to let go of caller memory, detaches the rest and frees it.
void closeComm(OfiComm* comm, std::unique_lock<std::mutex>& lock);

}  // namespace fccl
