// Mutual challenge-response on the communicator's 128-bit secret, run on every bootstrap TCP
// connection before anything else is read from it.
//
//   acceptor  -> connector : magic, version, nonceA                      (the challenge)
//   connector -> acceptor  : nonceC, HMAC-SHA256(secret, "fccl-connect" || nonceA || nonceC)
//   acceptor  -> connector : HMAC-SHA256(secret, "fccl-accept" || nonceC || nonceA)
//
// Each side proves the secret over a nonce the *other* side just chose, so a recorded
// transcript replayed later fails, and the two proofs use different labels, so a connector's
// proof can never be reflected back as an acceptor's. On a failed proof the acceptor closes
// the connection without answering; the connector reports "wrong secret?".
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string>

#include "bootstrap/socket.h"
#include "common/expected.h"

namespace fccl::bootstrap {

constexpr size_t kSecretBytes = 16;
constexpr size_t kNonceBytes = 32;
constexpr size_t kProofBytes = 32;  // SHA-256
constexpr size_t kChallengeBytes = 8 + kNonceBytes;
constexpr size_t kResponseBytes = kNonceBytes + kProofBytes;

using Secret = std::array<std::byte, kSecretBytes>;
using Nonce = std::array<std::byte, kNonceBytes>;
using Proof = std::array<std::byte, kProofBytes>;

// Fills `out` from OpenSSL's CSPRNG.
Status randomBytes(std::span<std::byte> out);

Proof connectorProof(const Secret& secret, const Nonce& acceptorNonce, const Nonce& connectorNonce);
Proof acceptorProof(const Secret& secret, const Nonce& connectorNonce, const Nonce& acceptorNonce);
// Constant-time comparison (CRYPTO_memcmp).
bool sameProof(std::span<const std::byte, kProofBytes> a, const Proof& b);

// The acceptor's half, split so a non-blocking server can run it between poll() calls: begin()
// sends the challenge (a few bytes into a fresh socket's empty buffer, so it never blocks);
// finish() checks the connector's kResponseBytes answer and sends the acceptor's proof.
class AcceptorHandshake {
 public:
  static Expected<AcceptorHandshake> begin(int fd);
  // kRemote "authentication failed (wrong secret?)" when the proof does not match.
  Status finish(int fd, const Secret& secret, std::span<const std::byte, kResponseBytes> response) const;

 private:
  Nonce nonce_{};
};

// The connector's half, blocking within io. `peer` names the acceptor in errors:
// "bootstrap authentication with 192.0.2.2:4000 failed: wrong secret?".
Status authenticateAsConnector(int fd, const Secret& secret, const IoWait& io, const std::string& peer);

// The acceptor's half run to completion, blocking within io (for tests and simple servers).
Status authenticateAsAcceptor(int fd, const Secret& secret, const IoWait& io, const std::string& peer);

}  // namespace fccl::bootstrap
