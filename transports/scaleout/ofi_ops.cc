#include "transports/scaleout/ofi_ops.h"

#include <rdma/fi_errno.h>
#include <rdma/fi_tagged.h>

#include "transports/scaleout/ofi_comm.h"
#include "transports/scaleout/ofi_device.h"
#include "transports/scaleout/ofi_tag.h"

namespace fccl {
namespace {

Status opError(const char* what, int err, const std::string& detail) {
  std::string text = std::string(what) + " failed: " + fi_strerror(err);
  if (!detail.empty()) text += " (" + detail + ")";
  return Status(Code::kRemote, text);
}

}  // namespace

ssize_t OfiOp::ownBufferDesc(void* buffer, size_t bytes, void** desc) {
  *desc = nullptr;
  if (!device_.needsLocalMr()) return 0;
  if (!ownMr_) {
    auto mr = device_.registerRaw(buffer, bytes, &ownDesc_);
    if (!mr.isOk()) return -FI_ENOMEM;
    ownMr_ = std::move(mr).take();
  }
  *desc = ownDesc_;
  return 0;
}

ssize_t DataOp::post() {
  if (recv_) return fi_trecv(device_.ep(), buffer_, bytes_, desc_, FI_ADDR_UNSPEC, tag_, 0, context());
  return fi_tsend(device_.ep(), buffer_, bytes_, desc_, peer_, tag_, context());
}

bool DataOp::complete(const fi_cq_tagged_entry& entry) {
  if (!request_) return true;
  request_->opDone(index_, recv_ ? entry.len : bytes_);
  if (recv_ && request_->comm) static_cast<OfiRecvComm*>(request_->comm)->dataArrived();
  return true;
}

void DataOp::fail(int err, const std::string& what) {
  if (!request_) return;
  if (err == FI_ECANCELED && cancelRequested()) {
    request_->opFailed(index_, Status(Code::kAborted, "receive cancelled"));
    return;
  }
  request_->opFailed(index_, opError(recv_ ? "receive" : "send", err, what));
}

ssize_t ConnectSendOp::post() {
  void* desc = nullptr;
  if (ssize_t rc = ownBufferDesc(&msg_, sizeof(msg_), &desc)) return rc;
  return fi_tsend(device_.ep(), &msg_, sizeof(msg_), desc, peer_, tag_, context());
}

bool ConnectSendOp::complete(const fi_cq_tagged_entry&) {
  if (!comm_) return true;
  comm_->opEnded(this);
  comm_->connectSent();
  return true;
}

void ConnectSendOp::fail(int err, const std::string& what) {
  if (!comm_) return;
  comm_->opEnded(this);
  comm_->fail(opError("sending the connect message", err, what));
}

ssize_t ConnectRecvOp::post() {
  void* desc = nullptr;
  if (ssize_t rc = ownBufferDesc(&msg_, sizeof(msg_), &desc)) return rc;
  return fi_trecv(device_.ep(), &msg_, sizeof(msg_), desc, FI_ADDR_UNSPEC, tag_, 0, context());
}

bool ConnectRecvOp::complete(const fi_cq_tagged_entry& entry) {
  if (!listen_) return true;
  listen_->opEnded(this);
  listen_->connectArrived(msg_, entry.len);
  return true;
}

void ConnectRecvOp::fail(int err, const std::string& what) {
  if (!listen_) return;
  listen_->opEnded(this);
  if (err != FI_ECANCELED || !cancelRequested()) listen_->fail(opError("receiving the connect message", err, what));
}

ssize_t CtrlSendOp::post() {
  void* desc = nullptr;
  if (ssize_t rc = ownBufferDesc(&msg_, sizeof(msg_), &desc)) return rc;
  const size_t bytes = offsetof(CtrlMsg, entries) + msg_.count * sizeof(CtrlMsg::Entry);
  return fi_tsend(device_.ep(), &msg_, bytes, desc, peer_, tag_, context());
}

bool CtrlSendOp::complete(const fi_cq_tagged_entry&) {
  if (comm_) comm_->opEnded(this);
  return true;
}

void CtrlSendOp::fail(int err, const std::string& what) {
  if (!comm_) return;
  comm_->opEnded(this);
  comm_->failSoon(opError("telling the sender a receive is posted", err, what));
}

ssize_t CtrlRecvOp::post() {
  void* desc = nullptr;
  if (ssize_t rc = ownBufferDesc(&msg_, sizeof(msg_), &desc)) return rc;
  return fi_trecv(device_.ep(), &msg_, sizeof(msg_), desc, FI_ADDR_UNSPEC, tag_, kAnyTagAndSeq, context());
}

bool CtrlRecvOp::complete(const fi_cq_tagged_entry& entry) {
  if (!comm_) return true;
  comm_->ctrlArrived(msg_, entry.len);
  if (!comm_) return true;  // the ctrl message failed the comm, which detached us
  device_.resubmit(this);
  return false;
}

void CtrlRecvOp::fail(int err, const std::string& what) {
  if (!comm_) return;
  comm_->opEnded(this);
  if (err != FI_ECANCELED || !cancelRequested()) comm_->fail(opError("receiving a ctrl message", err, what));
}

}  // namespace fccl
