#include "bootstrap/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstring>
#include <string_view>

#include "bootstrap/bytes.h"

namespace fccl::bootstrap {
namespace {

constexpr uint32_t kChallengeMagic = 0x46434155;  // "FCAU"
constexpr uint32_t kAuthVersion = 1;
constexpr std::string_view kConnectLabel = "fccl-connect";
constexpr std::string_view kAcceptLabel = "fccl-accept";

// HMAC-SHA256(secret, label || first || second). The nonces have a fixed length, so the
// concatenation is unambiguous.
Proof hmac(const Secret& secret, std::string_view label, const Nonce& first, const Nonce& second) {
  std::array<std::byte, 16 + 2 * kNonceBytes> message{};
  std::memcpy(message.data(), label.data(), label.size());
  std::memcpy(message.data() + label.size(), first.data(), kNonceBytes);
  std::memcpy(message.data() + label.size() + kNonceBytes, second.data(), kNonceBytes);
  Proof out{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), label.size() + 2 * kNonceBytes,
       reinterpret_cast<unsigned char*>(out.data()), &length);
  return out;
}

Status wrongSecret(const std::string& peer, std::string_view detail) {
  return Status(Code::kRemote,
                "bootstrap authentication with " + peer + " failed: wrong secret? (" + std::string(detail) + ")");
}

// Reads the acceptor's challenge and checks that it is one.
Expected<Nonce> readChallenge(int fd, const IoWait& io, const std::string& peer) {
  std::array<std::byte, kChallengeBytes> challenge{};
  if (Status s = recvAll(fd, challenge, io); !s.isOk())
    return std::move(s).context("bootstrap authentication with " + peer + ": waiting for the challenge");
  if (getBe<uint32_t>(challenge, 0) != kChallengeMagic)
    return Status(Code::kRemote, peer + " is not an fccl bootstrap endpoint (bad challenge magic)");
  if (uint32_t version = getBe<uint32_t>(challenge, 4); version != kAuthVersion)
    return Status(Code::kRemote, peer + " speaks bootstrap authentication version " + std::to_string(version) +
                                     ", this process version " + std::to_string(kAuthVersion));
  Nonce nonce{};
  std::memcpy(nonce.data(), challenge.data() + 8, kNonceBytes);
  return nonce;
}

}  // namespace

Status randomBytes(std::span<std::byte> out) {
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size())) != 1)
    return Status(Code::kSystem, "RAND_bytes failed: the system has no usable source of randomness");
  return Status::ok();
}

Proof connectorProof(const Secret& secret, const Nonce& acceptorNonce, const Nonce& connectorNonce) {
  return hmac(secret, kConnectLabel, acceptorNonce, connectorNonce);
}

Proof acceptorProof(const Secret& secret, const Nonce& connectorNonce, const Nonce& acceptorNonce) {
  return hmac(secret, kAcceptLabel, connectorNonce, acceptorNonce);
}

bool sameProof(std::span<const std::byte, kProofBytes> a, const Proof& b) {
  return CRYPTO_memcmp(a.data(), b.data(), kProofBytes) == 0;
}

Expected<AcceptorHandshake> AcceptorHandshake::begin(int fd) {
  AcceptorHandshake handshake;
  FCCL_TRY(randomBytes(handshake.nonce_));
  std::array<std::byte, kChallengeBytes> challenge{};
  putBe<uint32_t>(challenge, 0, kChallengeMagic);
  putBe<uint32_t>(challenge, 4, kAuthVersion);
  std::memcpy(challenge.data() + 8, handshake.nonce_.data(), kNonceBytes);
  FCCL_ASSIGN_OR_RETURN(size_t sent, sendSome(fd, challenge));
  if (sent != challenge.size()) return Status(Code::kSystem, "could not send the authentication challenge at once");
  return handshake;
}

Status AcceptorHandshake::finish(int fd, const Secret& secret,
                                 std::span<const std::byte, kResponseBytes> response) const {
  Nonce connectorNonce{};
  std::memcpy(connectorNonce.data(), response.data(), kNonceBytes);
  if (!sameProof(response.subspan<kNonceBytes, kProofBytes>(), connectorProof(secret, nonce_, connectorNonce)))
    return Status(Code::kRemote, "authentication failed (wrong secret?)");
  const Proof proof = acceptorProof(secret, connectorNonce, nonce_);
  FCCL_ASSIGN_OR_RETURN(size_t sent, sendSome(fd, proof));
  if (sent != proof.size()) return Status(Code::kSystem, "could not send the authentication proof at once");
  return Status::ok();
}

Status authenticateAsConnector(int fd, const Secret& secret, const IoWait& io, const std::string& peer) {
  FCCL_ASSIGN_OR_RETURN(Nonce acceptorNonce, readChallenge(fd, io, peer));
  Nonce connectorNonce{};
  FCCL_TRY(randomBytes(connectorNonce));
  const Proof proof = connectorProof(secret, acceptorNonce, connectorNonce);
  const std::span<const std::byte> parts[] = {connectorNonce, proof};
  if (Status s = sendAll(fd, parts, io); !s.isOk())
    return std::move(s).context("bootstrap authentication with " + peer + ": sending the proof");
  std::array<std::byte, kProofBytes> answer{};
  if (Status s = recvAll(fd, answer, io); !s.isOk()) {
    // The acceptor closes without a word when our proof fails: that is what a wrong secret
    // looks like from here. A timeout or abort stays what it is.
    if (s.code() == Code::kTimeout || s.code() == Code::kAborted)
      return std::move(s).context("bootstrap authentication with " + peer + ": waiting for its proof");
    return wrongSecret(peer, "it refused our proof: " + s.message());
  }
  if (!sameProof(answer, acceptorProof(secret, connectorNonce, acceptorNonce)))
    return wrongSecret(peer, "its proof does not match ours");
  return Status::ok();
}

Status authenticateAsAcceptor(int fd, const Secret& secret, const IoWait& io, const std::string& peer) {
  FCCL_ASSIGN_OR_RETURN(AcceptorHandshake handshake, AcceptorHandshake::begin(fd));
  std::array<std::byte, kResponseBytes> response{};
  if (Status s = recvAll(fd, response, io); !s.isOk())
    return std::move(s).context("bootstrap authentication of " + peer + ": waiting for its proof");
  if (Status s = handshake.finish(fd, secret, response); !s.isOk())
    return std::move(s).context("bootstrap authentication of " + peer);
  return Status::ok();
}

}  // namespace fccl::bootstrap
