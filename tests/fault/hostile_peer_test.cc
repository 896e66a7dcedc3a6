// A stranger on the network knocks on every port a job listens on: the root's, and each rank's
// bootstrap and alarm line. Whatever it sends (random bytes, a cut-off proof, a wrong secret, a
// replayed handshake, and, with the secret, truncated, oversized and random headers or a
// malformed alarm), the job's 4 ranks turn it away and go on: their collectives succeed and
// check out, and no stranger's byte reaches them as a message.
#include <poll.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "api/guard.h"
#include "bootstrap/auth.h"
#include "bootstrap/bytes.h"
#include "bootstrap/socket.h"
#include "bootstrap/unique_id.h"
#include "bootstrap/wire.h"
#include "comm/communicator.h"
#include "harness/comm_fixture.h"
#include "harness/rank_log.h"
#include "harness/rank_signal.h"
#include "harness/run_ranks.h"

namespace fccl::test {
namespace {

using bootstrap::IoWait;
using bootstrap::SocketAddress;

constexpr int kRanks = 4;
constexpr int64_t kIoMs = 3000;

std::vector<std::byte> randomBytes(size_t n) {
  std::vector<std::byte> out(n);
  REQUIRE(bootstrap::randomBytes(out).isOk());
  return out;
}

UniqueFd connectOrFail(const SocketAddress& to) {
  auto fd = bootstrap::connectTo(to, IoWait(kIoMs, nullptr), false);
  INFO(fd.status().message());
  REQUIRE(fd.isOk());
  return std::move(fd).take();
}

bootstrap::Nonce readChallenge(int fd) {
  std::array<std::byte, bootstrap::kChallengeBytes> challenge{};
  REQUIRE(bootstrap::recvAll(fd, challenge, IoWait(kIoMs, nullptr)).isOk());
  bootstrap::Nonce nonce{};
  std::memcpy(nonce.data(), challenge.data() + 8, nonce.size());
  return nonce;
}

void sendBytes(int fd, std::span<const std::byte> bytes) {
  const std::span<const std::byte> parts[] = {bytes};
  REQUIRE(bootstrap::sendAll(fd, parts, IoWait(kIoMs, nullptr)).isOk());
}

// The listener hangs up on us (after a word of why, at most, as the root's error report),
// rather than waiting for more.
void expectHangUp(int fd) {
  const IoWait io(kIoMs, nullptr);
  std::array<std::byte, 4096> sink{};
  for (size_t total = 0; total < (1 << 20);) {
    auto got = bootstrap::recvSome(fd, sink);
    if (!got.isOk()) {
      CHECK(got.status().code() == Code::kRemote);  // reset
      return;
    }
    if (got->closed) return;
    total += got->bytes;
    if (got->bytes == 0) {
      const Status ready = io.waitReady(fd, POLLIN);
      INFO(ready.message());
      REQUIRE(ready.isOk());
    }
  }
  FAIL("the listener keeps talking");
}

// Every attack on one listening port; `type` is what the port takes once authenticated.
void attack(const SocketAddress& at, const bootstrap::Secret& secret, bootstrap::MsgType type) {
  INFO("attacking " << at.toString());
  {  // random bytes where the proof should be
    UniqueFd fd = connectOrFail(at);
    readChallenge(fd.get());
    sendBytes(fd.get(), randomBytes(bootstrap::kResponseBytes));
    expectHangUp(fd.get());
  }
  {  // a proof cut off, then gone
    UniqueFd fd = connectOrFail(at);
    readChallenge(fd.get());
    sendBytes(fd.get(), randomBytes(10));
  }
  {  // the wrong secret
    UniqueFd fd = connectOrFail(at);
    bootstrap::Secret wrong = secret;
    wrong[3] ^= std::byte{0x40};
    const Status s = bootstrap::authenticateAsConnector(fd.get(), wrong, IoWait(kIoMs, nullptr), at.toString());
    CHECK_THAT(s.message(), Catch::Contains("wrong secret"));
  }
  {  // a handshake captured on one connection, replayed on the next
    std::vector<std::byte> captured;
    {
      UniqueFd fd = connectOrFail(at);
      const bootstrap::Nonce acceptorNonce = readChallenge(fd.get());
      bootstrap::Nonce connectorNonce{};
      REQUIRE(bootstrap::randomBytes(connectorNonce).isOk());
      const bootstrap::Proof proof = bootstrap::connectorProof(secret, acceptorNonce, connectorNonce);
      captured.insert(captured.end(), connectorNonce.begin(), connectorNonce.end());
      captured.insert(captured.end(), proof.begin(), proof.end());
      sendBytes(fd.get(), captured);
      std::array<std::byte, bootstrap::kProofBytes> answer{};
      REQUIRE(bootstrap::recvAll(fd.get(), answer, IoWait(kIoMs, nullptr)).isOk());  // the original was good
    }
    UniqueFd fd = connectOrFail(at);
    readChallenge(fd.get());
    sendBytes(fd.get(), captured);
    expectHangUp(fd.get());
  }
  auto authenticated = [&] {
    UniqueFd fd = connectOrFail(at);
    REQUIRE(bootstrap::authenticateAsConnector(fd.get(), secret, IoWait(kIoMs, nullptr), at.toString()).isOk());
    return fd;
  };
  {  // with the secret: a truncated header
    UniqueFd fd = authenticated();
    const auto header = bootstrap::encodeHeader({type, 0, 1, 8});
    sendBytes(fd.get(), std::span(header).first(10));
  }
  {  // an oversized payload announced
    UniqueFd fd = authenticated();
    sendBytes(fd.get(), bootstrap::encodeHeader({type, 0, 1, uint64_t{1} << 40}));
    expectHangUp(fd.get());
  }
  {  // a random header
    UniqueFd fd = authenticated();
    sendBytes(fd.get(), randomBytes(bootstrap::kHeaderBytes));
    expectHangUp(fd.get());
  }
  {  // a sender far out of range
    UniqueFd fd = authenticated();
    sendBytes(fd.get(), bootstrap::encodeHeader({type, 1u << 19, 1, 0}));
    expectHangUp(fd.get());
  }
  if (type == bootstrap::MsgType::kAlarm) {  // well framed, but a failure alarm from rank 99 of 4
    UniqueFd fd = authenticated();
    std::vector<std::byte> payload(8);
    bootstrap::putBe<uint32_t>(payload, 0, 99);
    bootstrap::putBe<uint32_t>(payload, 4, static_cast<uint32_t>(Code::kRemote));
    sendBytes(fd.get(), bootstrap::encodeHeader({type, 1, 1, payload.size()}));
    sendBytes(fd.get(), payload);
  }
}

std::string checkedAllReduce(fcclComm_t comm, int rank) {
  std::vector<int32_t> buf(1 << 14, rank + 1);
  FCCL_TEST_CALL(fcclAllReduce(buf.data(), buf.data(), buf.size(), fcclInt32, fcclSum, comm, nullptr));
  for (int32_t v : buf)
    if (v != kRanks * (kRanks + 1) / 2) return "all-reduce gave " + std::to_string(v);
  return "";
}

void runHostile(const char* transport) {
  const fcclUniqueId id = newUniqueId();
  auto decoded = decodeUniqueId(id);
  REQUIRE(decoded.isOk());
  const bootstrap::Secret secret = decoded->secret;
  // The root first, before any rank has come: the rendezvous must still complete.
  attack(decoded->root, secret, bootstrap::MsgType::kHello);

  RankLog log;
  RankSignal attacked;
  Ranks ranks(kRanks, [&](int rank) -> std::string {
    if (transport) setenv("FCCL_TRANSPORT", transport, 1);
    // A rank reads its bootstrap port while it waits in a bootstrap call; FCCL_CHECK puts one
    // in every collective, so the strangers get their answers while the ranks keep calling.
    setenv("FCCL_CHECK", "1", 1);
    std::string error;
    fcclComm_t comm = initComm(id, kRanks, rank, 20000, &error);
    if (!comm) return error;
    if (std::string e = checkedAllReduce(comm, rank); !e.empty()) return "before: " + e;
    auto* c = *api::asComm(comm);
    const Communicator::Endpoints at = c->endpoints();
    log.write(at.bootstrap.toString() + " " + at.alarm.toString());
    // Served while this rank waits: the bootstrap's inbox is read inside bootstrap calls, the
    // alarm line by its own thread. A barrier-like all-reduce loop keeps both busy.
    // The ranks stop together: once every rank has seen the end of the attack (one pipe byte
    // each), the sum of their flags says so to all of them in the same iteration.
    for (int i = 0, seen = 0;; ++i) {
      if (std::string e = checkedAllReduce(comm, rank); !e.empty()) return "under attack: " + e;
      if (!seen && attacked.await(std::chrono::milliseconds(0))) seen = 1;
      int32_t all = seen;
      FCCL_TEST_CALL(fcclAllReduce(&all, &all, 1, fcclInt32, fcclSum, comm, nullptr));
      if (all == kRanks) break;
      if (i > 200000) return "the attack never ended";
    }
    for (int i = 0; i < 3; ++i)
      if (std::string e = checkedAllReduce(comm, rank); !e.empty()) return "after: " + e;
    fcclResult_t state = fcclSuccess;
    FCCL_TEST_CALL(fcclCommGetAsyncError(comm, &state));
    if (state != fcclSuccess) return std::string("the comm broke: ") + fcclGetErrorString(state);
    FCCL_TEST_CALL(fcclCommDestroy(comm));
    return "";
  });
  const auto lines = log.read(kRanks, std::chrono::seconds(60));
  REQUIRE(lines.size() == kRanks);
  for (const std::string& line : lines) {
    const size_t space = line.find(' ');
    auto bootstrapAt = bootstrap::resolveHostPort(line.substr(0, space), "test");
    auto alarmAt = bootstrap::resolveHostPort(line.substr(space + 1), "test");
    REQUIRE(bootstrapAt.isOk());
    REQUIRE(alarmAt.isOk());
    attack(*bootstrapAt, secret, bootstrap::MsgType::kData);
    attack(*alarmAt, secret, bootstrap::MsgType::kAlarm);
  }
  for (int i = 0; i < kRanks; ++i) attacked.raise();
  const auto outcomes = ranks.wait(std::chrono::seconds(120));
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

}  // namespace

TEST_CASE("strangers on the root, bootstrap and alarm ports are turned away while the ranks go on",
          "[fault][security]") {
  SECTION("shared memory") { runHostile(nullptr); }
  SECTION("scale-out net") { runHostile("scaleout"); }
}

}  // namespace fccl::test
