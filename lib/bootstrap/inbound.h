// One connection accepted on a listening socket, followed from its first byte: first the
// connector must prove the secret (nothing else is read before that), then the byte stream is
// cut into checked messages. Non-blocking: the owner polls the fd and calls onReadable(), so
// one silent or hostile connection never holds up the others.
#pragma once

#include <string>
#include <vector>

#include "bootstrap/address.h"
#include "bootstrap/auth.h"
#include "bootstrap/wire.h"
#include "common/expected.h"
#include "common/unique_fd.h"

namespace fccl::bootstrap {

class InboundConn {
 public:
  // Sends the authentication challenge. Only messages of type `accepted`, from senders below
  // `nranks`, get through once authenticated.
  static Expected<InboundConn> begin(UniqueFd fd, const SocketAddress& peer, const Secret& secret, uint32_t nranks,
                                     MsgType accepted);

  int fd() const { return fd_.get(); }
  // "192.0.2.2:41234", or "rank 3 (192.0.2.2:41234)" once a message named the sender.
  const std::string& peerName() const { return peerName_; }
  // The sender rank of this connection's messages, -1 before the first one.
  int peerRank() const { return peerRank_; }
  bool authenticated() const { return stage_ != Stage::kProof; }
  // Hands the socket over (the root keeps it to answer the rank); the connection is finished.
  UniqueFd releaseFd() { return std::move(fd_); }

  // Reads what the socket has and appends every message it completes to `out`. Sets *closed at
  // an orderly close between messages. Errors (kRemote, naming the peer): a failed proof, a
  // malformed or unexpected header, a sender that changes, a close in the middle of a message.
  // After an error or a close the connection is finished and should be dropped.
  Status onReadable(std::vector<Message>& out, bool* closed);

 private:
  enum class Stage { kProof, kHeader, kPayload };

  InboundConn(UniqueFd fd, const SocketAddress& peer, const Secret& secret, uint32_t nranks, MsgType accepted,
              AcceptorHandshake handshake);
  // Acts on a buffer that has just been filled.
  Status advance(std::vector<Message>& out);
  Status acceptHeader();
  void expect(size_t bytes);

  UniqueFd fd_;
  std::string address_;
  std::string peerName_;
  Secret secret_;
  uint32_t nranks_;
  MsgType accepted_;
  AcceptorHandshake handshake_;
  Stage stage_ = Stage::kProof;
  int peerRank_ = -1;
  Header header_;
  std::vector<std::byte> buffer_;
  size_t filled_ = 0;
};

}  // namespace fccl::bootstrap
