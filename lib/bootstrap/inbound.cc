#include "bootstrap/inbound.h"

namespace fccl::bootstrap {
namespace {

// Reads per onReadable() call, so that a peer that never stops sending cannot starve the
// other connections polled alongside it.
constexpr int kReadsPerCall = 64;

}  // namespace

Expected<InboundConn> InboundConn::begin(UniqueFd fd, const SocketAddress& peer, const Secret& secret, uint32_t nranks,
                                         MsgType accepted) {
  auto handshake = AcceptorHandshake::begin(fd.get());
  if (!handshake.isOk()) return std::move(handshake).takeStatus().context("challenging " + peer.toString());
  return InboundConn(std::move(fd), peer, secret, nranks, accepted, *handshake);
}

InboundConn::InboundConn(UniqueFd fd, const SocketAddress& peer, const Secret& secret, uint32_t nranks,
                         MsgType accepted, AcceptorHandshake handshake)
    : fd_(std::move(fd)),
      address_(peer.toString()),
      peerName_(address_),
      secret_(secret),
      nranks_(nranks),
      accepted_(accepted),
      handshake_(handshake) {
  expect(kResponseBytes);
}

void InboundConn::expect(size_t bytes) {
  buffer_ = std::vector<std::byte>(bytes);
  filled_ = 0;
}

Status InboundConn::onReadable(std::vector<Message>& out, bool* closed) {
  *closed = false;
  for (int round = 0; round < kReadsPerCall; ++round) {
    auto got = recvSome(fd(), std::span(buffer_).subspan(filled_));
    if (!got.isOk()) return std::move(got).takeStatus().context("reading from " + peerName_);
    if (got->closed) {
      if (stage_ == Stage::kHeader && filled_ == 0) {
        *closed = true;
        return Status::ok();
      }
      return Status(Code::kRemote,
                    peerName_ + " closed the connection " +
                        (stage_ == Stage::kProof ? "before proving the secret" : "in the middle of a message"));
    }
    if (got->bytes == 0) return Status::ok();
    filled_ += got->bytes;
    if (filled_ == buffer_.size()) FCCL_TRY(advance(out));
  }
  return Status::ok();
}

Status InboundConn::advance(std::vector<Message>& out) {
  switch (stage_) {
    case Stage::kProof: {
      const std::span<const std::byte, kResponseBytes> response(buffer_.data(), kResponseBytes);
      FCCL_TRY(handshake_.finish(fd(), secret_, response).context("connection from " + peerName_));
      stage_ = Stage::kHeader;
      expect(kHeaderBytes);
      return Status::ok();
    }
    case Stage::kHeader:
      FCCL_TRY(acceptHeader());
      if (header_.length == 0) {  // nothing more to read: the message is complete
        out.push_back({header_, {}});
        expect(kHeaderBytes);
      } else {
        stage_ = Stage::kPayload;
        expect(header_.length);
      }
      return Status::ok();
    case Stage::kPayload:
      out.push_back({header_, std::move(buffer_)});
      stage_ = Stage::kHeader;
      expect(kHeaderBytes);
      return Status::ok();
  }
  return Status(Code::kInternal, "inbound connection in an unknown stage");
}

Status InboundConn::acceptHeader() {
  FCCL_ASSIGN_OR_RETURN(header_, parseHeader(buffer_, nranks_, peerName_));
  if (header_.type != accepted_)
    return Status(Code::kRemote,
                  "unexpected message type " + std::to_string(static_cast<int>(header_.type)) + " from " + peerName_);
  const int sender = static_cast<int>(header_.sender);
  if (peerRank_ < 0) {
    peerRank_ = sender;
    peerName_ = "rank " + std::to_string(sender) + " (" + address_ + ")";
  } else if (sender != peerRank_) {
    return Status(Code::kRemote, peerName_ + " sent a message as rank " + std::to_string(sender));
  }
  return Status::ok();
}

}  // namespace fccl::bootstrap
