#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <future>

#include "bootstrap/auth.h"
#include "bootstrap/socket.h"

using fccl::Code;
using fccl::Status;
using fccl::UniqueFd;
using namespace fccl::bootstrap;

namespace {

constexpr int64_t kTestTimeoutMs = 5000;  // a bound, never reached when the code is right

Secret secretOf(uint8_t seed) {
  Secret s{};
  for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<std::byte>(seed + i);
  return s;
}

struct Sockets {
  UniqueFd acceptor, connector;
  Sockets() {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0);
    acceptor.reset(fds[0]);
    connector.reset(fds[1]);
  }
};

// Runs both halves at once; the acceptor closes its end when it is done, as a server would.
std::pair<Status, Status> handshake(const Secret& acceptorSecret, const Secret& connectorSecret) {
  Sockets s;
  auto acceptor = std::async(std::launch::async, [&, fd = std::move(s.acceptor)]() mutable {
    const UniqueFd mine = std::move(fd);  // closed on return, as a server closes a refused connection
    return authenticateAsAcceptor(mine.get(), acceptorSecret, IoWait(kTestTimeoutMs, nullptr), "connector");
  });
  const Status connector =
      authenticateAsConnector(s.connector.get(), connectorSecret, IoWait(kTestTimeoutMs, nullptr), "127.0.0.1:4000");
  return {acceptor.get(), connector};
}

template <size_t N>
void readExactly(int fd, std::array<std::byte, N>& out) {
  REQUIRE(recvAll(fd, out, IoWait(kTestTimeoutMs, nullptr)).isOk());
}

template <size_t N>
void writeAll(int fd, const std::array<std::byte, N>& data) {
  const std::span<const std::byte> parts[] = {data};
  REQUIRE(sendAll(fd, parts, IoWait(kTestTimeoutMs, nullptr)).isOk());
}

}  // namespace

TEST_CASE("authentication succeeds when both sides hold the same secret", "[unit][bootstrap]") {
  auto [acceptor, connector] = handshake(secretOf(1), secretOf(1));
  CHECK(acceptor.isOk());
  CHECK(connector.isOk());
}

TEST_CASE("authentication fails on both sides when the secrets differ, and nothing hangs", "[unit][bootstrap]") {
  auto [acceptor, connector] = handshake(secretOf(1), secretOf(2));
  CHECK(acceptor.code() == Code::kRemote);
  CHECK_THAT(acceptor.message(), Catch::Contains("wrong secret"));
  CHECK(connector.code() == Code::kRemote);
  CHECK_THAT(connector.message(),
             Catch::StartsWith("bootstrap authentication with 127.0.0.1:4000 failed: wrong secret?"));
}

namespace {

// What an eavesdropper sees of one genuine exchange.
struct Transcript {
  std::array<std::byte, kChallengeBytes> challenge{};
  std::array<std::byte, kResponseBytes> response{};
  std::array<std::byte, kProofBytes> acceptorProof{};
};

// A genuine acceptor and a genuine connector (played here step by step, so every byte can be
// recorded) complete one exchange.
Transcript recordGenuineExchange(const Secret& secret) {
  Transcript t;
  Sockets s;
  auto acceptor = std::async(std::launch::async, [&] {
    return authenticateAsAcceptor(s.acceptor.get(), secret, IoWait(kTestTimeoutMs, nullptr), "connector");
  });
  readExactly(s.connector.get(), t.challenge);
  Nonce acceptorNonce{}, connectorNonce{};
  std::memcpy(acceptorNonce.data(), t.challenge.data() + 8, kNonceBytes);
  REQUIRE(randomBytes(connectorNonce).isOk());
  const Proof proof = connectorProof(secret, acceptorNonce, connectorNonce);
  std::memcpy(t.response.data(), connectorNonce.data(), kNonceBytes);
  std::memcpy(t.response.data() + kNonceBytes, proof.data(), kProofBytes);
  writeAll(s.connector.get(), t.response);
  readExactly(s.connector.get(), t.acceptorProof);
  REQUIRE(acceptor.get().isOk());
  REQUIRE(sameProof(t.acceptorProof, acceptorProof(secret, connectorNonce, acceptorNonce)));
  return t;
}

}  // namespace

TEST_CASE("a replayed connector transcript is refused by a fresh challenge", "[unit][bootstrap]") {
  const Secret secret = secretOf(7);
  const Transcript recorded = recordGenuineExchange(secret);
  // The replayer has no secret; it answers the new challenge with the recorded answer.
  Sockets s;
  auto acceptor = std::async(std::launch::async, [&] {
    return authenticateAsAcceptor(s.acceptor.get(), secret, IoWait(kTestTimeoutMs, nullptr), "replayer");
  });
  std::array<std::byte, kChallengeBytes> challenge{};
  readExactly(s.connector.get(), challenge);
  CHECK(challenge != recorded.challenge);
  writeAll(s.connector.get(), recorded.response);
  const Status refused = acceptor.get();
  CHECK(refused.code() == Code::kRemote);
  CHECK_THAT(refused.message(), Catch::Contains("wrong secret"));
}

TEST_CASE("a replayed acceptor transcript is refused by the connector's fresh nonce", "[unit][bootstrap]") {
  const Secret secret = secretOf(9);
  const Transcript recorded = recordGenuineExchange(secret);
  // A fake acceptor without the secret plays back the recorded challenge and proof.
  Sockets s;
  auto connector = std::async(std::launch::async, [&] {
    return authenticateAsConnector(s.connector.get(), secret, IoWait(kTestTimeoutMs, nullptr), "fake acceptor");
  });
  writeAll(s.acceptor.get(), recorded.challenge);
  std::array<std::byte, kResponseBytes> response{};
  readExactly(s.acceptor.get(), response);
  CHECK(response != recorded.response);
  writeAll(s.acceptor.get(), recorded.acceptorProof);
  const Status refused = connector.get();
  CHECK(refused.code() == Code::kRemote);
  CHECK_THAT(refused.message(), Catch::Contains("fake acceptor failed: wrong secret?"));
}

TEST_CASE("connector and acceptor proofs differ, so one cannot be reflected as the other", "[unit][bootstrap]") {
  const Secret secret = secretOf(3);
  Nonce a{}, c{};
  REQUIRE(randomBytes(a).isOk());
  REQUIRE(randomBytes(c).isOk());
  const Proof forward = connectorProof(secret, a, c);
  CHECK_FALSE(sameProof(forward, acceptorProof(secret, a, c)));
  CHECK_FALSE(sameProof(forward, acceptorProof(secret, c, a)));
  CHECK(sameProof(forward, connectorProof(secret, a, c)));
  CHECK_FALSE(sameProof(forward, connectorProof(secretOf(4), a, c)));
}

TEST_CASE("a peer that never answers the challenge times out instead of hanging", "[unit][bootstrap]") {
  Sockets s;
  const Status silent = authenticateAsAcceptor(s.acceptor.get(), secretOf(1), IoWait(200, nullptr), "silent peer");
  CHECK(silent.code() == Code::kTimeout);
  std::atomic<bool> abort{true};
  const Status aborted = authenticateAsConnector(s.connector.get(), secretOf(1), IoWait(kTestTimeoutMs, &abort), "x");
  CHECK(aborted.code() == Code::kAborted);
}
