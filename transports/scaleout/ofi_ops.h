// Operations the provider holds: a posted send or receive, with the memory it reads or writes.
// libfabric hands an op's context() back with its completion, and fromContext() leads from there
// to the op. Ops belong to their device from submit until the completion arrives (or the device
// closes), never to the comm or request they serve: a comm may close, or a request be given up,
// while the provider still holds the op, and its completion must not land in freed memory. Such
// an op is detached: its owner pointer is cleared, and its completion is simply dropped.
//
// Every method runs with the device lock held.
#pragma once

#include <rdma/fabric.h>
#include <rdma/fi_eq.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/status.h"
#include "transports/scaleout/fi_ptr.h"
#include "transports/scaleout/ofi_wire.h"

namespace fccl {

class OfiDevice;
class OfiListenComm;
class OfiSendComm;
class OfiRecvComm;
struct OfiRequest;

class OfiOp {
 public:
  explicit OfiOp(OfiDevice& device) : device_(device) { ctx_.op = this; }
  virtual ~OfiOp() = default;
  OfiOp(const OfiOp&) = delete;
  OfiOp& operator=(const OfiOp&) = delete;

  void* context() { return &ctx_; }
  static OfiOp* fromContext(void* context) { return static_cast<Ctx*>(context)->op; }

  // Hands the op to the provider: 0, -FI_EAGAIN (the device retries later) or another -errno.
  virtual ssize_t post() = 0;
  // The provider finished it. True: the op is done and the device deletes it; false: it posted
  // itself again (a ctrl receive) and stays.
  virtual bool complete(const fi_cq_tagged_entry& entry) = 0;
  // It failed; err is a positive FI_* errno (FI_ECANCELED after cancel()).
  virtual void fail(int err, const std::string& what) = 0;
  // Forgets its owner, which is going away.
  virtual void detach() = 0;
  // Receives can be cancelled; sends run to completion.
  virtual bool isRecv() const = 0;
  // The device cancels it; an FI_ECANCELED that arrives without this came from the provider
  // (on a lost connection, say) and is the peer's failure, not ours.
  void markCancelled() { cancelRequested_ = true; }
  bool cancelRequested() const { return cancelRequested_; }

 protected:
  // For providers that need registered local buffers (FI_MR_LOCAL): registers the op's own
  // buffer once and gives its descriptor; nullptr when the provider needs none.
  ssize_t ownBufferDesc(void* buffer, size_t bytes, void** desc);

  OfiDevice& device_;

 private:
  struct Ctx {
    fi_context2 fi;  // first: what the provider may use as scratch
    OfiOp* op;
  } ctx_{};
  FiPtr<fid_mr> ownMr_;
  void* ownDesc_ = nullptr;
  bool cancelRequested_ = false;
};

// A send or receive of caller data, one buffer of a request.
class DataOp final : public OfiOp {
 public:
  DataOp(OfiDevice& device, OfiRequest* request, int index, bool recv, void* buffer, size_t bytes, void* desc,
         fi_addr_t peer, uint64_t tag)
      : OfiOp(device), request_(request), index_(index), recv_(recv), buffer_(buffer), bytes_(bytes), desc_(desc),
        peer_(peer), tag_(tag) {}
  ssize_t post() override;
  bool complete(const fi_cq_tagged_entry& entry) override;
  void fail(int err, const std::string& what) override;
  void detach() override { request_ = nullptr; }
  bool isRecv() const override { return recv_; }

 private:
  OfiRequest* request_;
  int index_;
  bool recv_;
  void* buffer_;
  size_t bytes_;
  void* desc_;
  fi_addr_t peer_;
  uint64_t tag_;
};

// The sender's first message: who it is and where ctrl messages go.
class ConnectSendOp final : public OfiOp {
 public:
  ConnectSendOp(OfiDevice& device, OfiSendComm* comm, const ConnectMsg& msg, fi_addr_t peer, uint64_t tag)
      : OfiOp(device), comm_(comm), msg_(msg), peer_(peer), tag_(tag) {}
  ssize_t post() override;
  bool complete(const fi_cq_tagged_entry& entry) override;
  void fail(int err, const std::string& what) override;
  void detach() override { comm_ = nullptr; }
  bool isRecv() const override { return false; }

 private:
  OfiSendComm* comm_;
  ConnectMsg msg_;
  fi_addr_t peer_;
  uint64_t tag_;
};

// A listen comm's receive for the connect message.
class ConnectRecvOp final : public OfiOp {
 public:
  ConnectRecvOp(OfiDevice& device, OfiListenComm* listen, uint64_t tag) : OfiOp(device), listen_(listen), tag_(tag) {}
  ssize_t post() override;
  bool complete(const fi_cq_tagged_entry& entry) override;
  void fail(int err, const std::string& what) override;
  void detach() override { listen_ = nullptr; }
  bool isRecv() const override { return true; }

 private:
  OfiListenComm* listen_;
  uint64_t tag_;
  ConnectMsg msg_{};
};

// The receiver's "these receives are posted" to the sender.
class CtrlSendOp final : public OfiOp {
 public:
  CtrlSendOp(OfiDevice& device, OfiRecvComm* comm, const CtrlMsg& msg, fi_addr_t peer, uint64_t tag)
      : OfiOp(device), comm_(comm), msg_(msg), peer_(peer), tag_(tag) {}
  ssize_t post() override;
  bool complete(const fi_cq_tagged_entry& entry) override;
  void fail(int err, const std::string& what) override;
  void detach() override { comm_ = nullptr; }
  bool isRecv() const override { return false; }

 private:
  OfiRecvComm* comm_;
  CtrlMsg msg_;
  fi_addr_t peer_;
  uint64_t tag_;
};

// One of a send comm's standing receives for ctrl messages; posts itself again after each.
class CtrlRecvOp final : public OfiOp {
 public:
  CtrlRecvOp(OfiDevice& device, OfiSendComm* comm, uint64_t tag) : OfiOp(device), comm_(comm), tag_(tag) {}
  ssize_t post() override;
  bool complete(const fi_cq_tagged_entry& entry) override;
  void fail(int err, const std::string& what) override;
  void detach() override { comm_ = nullptr; }
  bool isRecv() const override { return true; }

 private:
  OfiSendComm* comm_;
  uint64_t tag_;
  CtrlMsg msg_{};
};

}  // namespace fccl
