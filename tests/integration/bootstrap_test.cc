// Ranks are real processes (fork). The unique id is made in the parent, whose root thread runs
// the rendezvous; each child joins it with its rank. A child reports "" or what went wrong.
#include "bootstrap/bootstrap.h"

#include <poll.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "bootstrap/unique_id.h"
#include "harness/run_ranks.h"

using fccl::Bootstrap;
using fccl::Code;
using fccl::Status;
using fccl::test::allOk;
using fccl::test::describe;
using fccl::test::runRanks;

namespace {

constexpr int64_t kTimeoutMs = 10000;  // an upper bound; a correct run takes milliseconds
constexpr int64_t kShortTimeoutMs = 2000;
constexpr std::chrono::milliseconds kHarnessDeadline{20000};

std::string text(const Status& s) { return std::string(fccl::codeName(s.code())) + ": " + s.message(); }

// Returns from the rank function with a description when `expr` fails.
#define RANK_TRY(expr)                                                       \
  do {                                                                       \
    if (Status s_ = (expr); !s_.isOk()) return #expr " failed: " + text(s_); \
  } while (0)

// Expects `expr` to fail with `code` and a message that contains `part`.
#define RANK_EXPECT_FAILURE(expr, expected, part)                                                                    \
  do {                                                                                                               \
    Status s_ = (expr);                                                                                              \
    if (s_.code() != (expected) || s_.message().find(part) == std::string::npos)                                     \
      return #expr " should fail with " + std::string(fccl::codeName(expected)) + " naming '" + (part) + "', got " + \
             text(s_);                                                                                               \
  } while (0)

fccl::Expected<std::unique_ptr<Bootstrap>> join(const fcclUniqueId& id, int rank, int nranks,
                                                int64_t timeoutMs = kTimeoutMs,
                                                const std::atomic<bool>* abortFlag = nullptr) {
  return Bootstrap::create(id, fccl::BootstrapOptions{rank, nranks, timeoutMs, abortFlag});
}

fcclUniqueId newId(int64_t rootTimeoutMs = kTimeoutMs) {
  fcclUniqueId id;
  const Status s = fccl::createUniqueId(&id, rootTimeoutMs);
  INFO(s.message());
  REQUIRE(s.isOk());
  return id;
}

fcclUniqueId withWrongSecret(fcclUniqueId id) {
  id.internal[40] ^= 0x5a;  // a byte of the secret (offset 32..47)
  return id;
}

std::byte pattern(int rank, size_t i, uint32_t salt = 0) {
  return static_cast<std::byte>((static_cast<size_t>(rank) * 131 + i * 7 + salt) & 0xff);
}

std::string checkAllGather(Bootstrap& b, size_t bytesPerRank) {
  const int n = b.nranks();
  std::vector<std::byte> all(static_cast<size_t>(n) * bytesPerRank, std::byte{0xee});
  for (size_t i = 0; i < bytesPerRank; ++i)
    all[static_cast<size_t>(b.rank()) * bytesPerRank + i] = pattern(b.rank(), i);
  RANK_TRY(b.allGather(all, bytesPerRank));
  for (int r = 0; r < n; ++r)
    for (size_t i = 0; i < bytesPerRank; ++i)
      if (all[static_cast<size_t>(r) * bytesPerRank + i] != pattern(r, i))
        return "allgather of " + std::to_string(bytesPerRank) + " bytes: block " + std::to_string(r) + " byte " +
               std::to_string(i) + " is wrong";
  return "";
}

// Every rank sends tags 1, 2, 3 to every rank (itself included) and receives them in the order
// 3, 1, 2, from the peers in reverse order; sizes and contents depend on (sender, receiver, tag).
std::string checkPointToPoint(Bootstrap& b) {
  const int n = b.nranks(), me = b.rank();
  auto size = [](int from, int to, uint32_t tag) { return static_cast<size_t>(tag * 10 + from * 3 + to); };
  for (int peer = 0; peer < n; ++peer) {
    for (uint32_t tag : {1u, 2u, 3u}) {
      std::vector<std::byte> data(size(me, peer, tag));
      for (size_t i = 0; i < data.size(); ++i) data[i] = pattern(me, i, tag + static_cast<uint32_t>(peer) * 16);
      RANK_TRY(b.send(peer, tag, data));
    }
  }
  for (int peer = n - 1; peer >= 0; --peer) {
    for (uint32_t tag : {3u, 1u, 2u}) {
      std::vector<std::byte> data(size(peer, me, tag));
      RANK_TRY(b.recv(peer, tag, data));
      for (size_t i = 0; i < data.size(); ++i)
        if (data[i] != pattern(peer, i, tag + static_cast<uint32_t>(me) * 16))
          return "message from rank " + std::to_string(peer) + " tag " + std::to_string(tag) + " is wrong";
    }
  }
  return "";
}

}  // namespace

TEST_CASE("ranks rendezvous, all-gather, exchange tagged messages out of order and pass barriers",
          "[integration][bootstrap]") {
  const int n = GENERATE(1, 2, 3, 5, 8);
  INFO("nranks " << n);
  const fcclUniqueId id = newId();
  auto outcomes = runRanks(
      n,
      [&](int rank) -> std::string {
        auto b = join(id, rank, n);
        if (!b.isOk()) return text(b.status());
        Bootstrap& boot = **b;
        if (boot.rank() != rank || boot.nranks() != n || boot.address().empty()) return "wrong rank, size or address";
        RANK_TRY(boot.barrier());
        for (size_t bytes : {size_t{0}, size_t{1}, size_t{1000}})
          if (auto error = checkAllGather(boot, bytes); !error.empty()) return error;
        if (auto error = checkPointToPoint(boot); !error.empty()) return error;
        RANK_TRY(boot.barrier());
        RANK_TRY(boot.barrier());
        return checkAllGather(boot, 24);
      },
      kHarnessDeadline);
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

TEST_CASE("large messages cross in both directions at once without deadlock", "[integration][bootstrap]") {
  const fcclUniqueId id = newId();
  constexpr size_t kBytes = size_t{24} << 20;  // far more than the socket buffers hold
  auto outcomes = runRanks(
      4,
      [&](int rank) -> std::string {
        auto b = join(id, rank, 4);
        if (!b.isOk()) return text(b.status());
        const int partner = rank ^ 1;  // 0 <-> 1, 2 <-> 3: both send first, then receive
        std::vector<std::byte> out(kBytes), in(kBytes);
        for (size_t i = 0; i < kBytes; i += 4096) out[i] = pattern(rank, i);
        RANK_TRY((*b)->send(partner, 42, out));
        RANK_TRY((*b)->recv(partner, 42, in));
        for (size_t i = 0; i < kBytes; i += 4096)
          if (in[i] != pattern(partner, i)) return "large message corrupted at byte " + std::to_string(i);
        return checkAllGather(**b, size_t{2} << 20);
      },
      kHarnessDeadline);
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

TEST_CASE("misuse is refused with errors that name the rank, the peer and the tag", "[integration][bootstrap]") {
  const fcclUniqueId id = newId();
  auto outcomes = runRanks(
      2,
      [&](int rank) -> std::string {
        std::atomic<bool> abort{false};
        auto b = join(id, rank, 2, kTimeoutMs, &abort);
        if (!b.isOk()) return text(b.status());
        Bootstrap& boot = **b;
        std::vector<std::byte> eight(8), four(4);
        RANK_EXPECT_FAILURE(boot.send(2, 1, eight), Code::kInvalidArgument, "peer 2");
        RANK_EXPECT_FAILURE(boot.recv(-1, 1, eight), Code::kInvalidArgument, "peer -1");
        RANK_EXPECT_FAILURE(boot.send(1 - rank, Bootstrap::kReservedTagBase, eight), Code::kInvalidArgument,
                            "reserved");
        std::vector<std::byte> all(3);
        RANK_EXPECT_FAILURE(boot.allGather(all, 2), Code::kInvalidArgument, "allgather");
        if (rank == 0) {
          RANK_TRY(boot.send(1, 9, eight));
          RANK_TRY(boot.recv(1, 11, four));  // rank 1 sends this, then leaves
          // Rank 1 closed its connection: waiting for more from it fails now, not at the timeout.
          RANK_EXPECT_FAILURE(boot.recv(1, 12, four), Code::kRemote, "rank 1 (");
          return "";
        }
        RANK_EXPECT_FAILURE(boot.recv(0, 9, four), Code::kInvalidUsage, "rank 1: recv from rank 0 (");
        abort = true;
        RANK_EXPECT_FAILURE(boot.recv(0, 77, four), Code::kAborted, "tag 77");
        abort = false;
        RANK_TRY(boot.send(0, 11, four));
        b->reset();
        return "";
      },
      kHarnessDeadline);
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

TEST_CASE("a recv that nothing answers times out naming the peer and the tag", "[integration][bootstrap]") {
  const fcclUniqueId id = newId();
  auto outcomes = runRanks(
      2,
      [&](int rank) -> std::string {
        auto b = join(id, rank, 2, kShortTimeoutMs);
        if (!b.isOk()) return text(b.status());
        std::vector<std::byte> one(1);
        if (rank == 0) {
          const Status s = (*b)->recv(1, 5, one);
          if (s.code() != Code::kTimeout || s.message().rfind("rank 0: recv from rank 1 (", 0) != 0)
            return "expected a timeout, got " + text(s);
          if (s.message().find("tag 5 (1 bytes): timed out after 2000 ms") == std::string::npos)
            return "the timeout does not name tag and time: " + s.message();
          RANK_TRY((*b)->send(1, 6, one));
          return "";
        }
        // Rank 1 waits through rank 0's timeout; its own waits may time out meanwhile.
        Status s;
        for (int attempt = 0; attempt < 3; ++attempt)
          if (s = (*b)->recv(0, 6, one); s.code() != Code::kTimeout) break;
        RANK_TRY(s);
        return "";
      },
      kHarnessDeadline);
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

namespace {

// Lets one process go first: the others wait until it has closed its end (or exited).
class Gate {
 public:
  Gate() {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    read_ = fds[0];
    write_ = fds[1];
  }
  ~Gate() {
    ::close(read_);
    if (write_ >= 0) ::close(write_);
  }
  void open() {
    ::close(write_);
    write_ = -1;
  }
  // In a waiting child: drop our own copy of the write end, then wait for EOF.
  bool waitOpen(int timeoutMs) {
    open();
    pollfd p{read_, POLLIN, 0};
    return ::poll(&p, 1, timeoutMs) == 1;
  }

 private:
  int read_ = -1, write_ = -1;
};

}  // namespace

TEST_CASE("a rank with a wrong secret is refused while the legitimate ranks complete", "[integration][bootstrap]") {
  const fcclUniqueId id = newId();
  Gate impostorDone;
  constexpr int kRanks = 3;  // the fourth process is the impostor, claiming rank 0
  fccl::test::Ranks ranks(kRanks + 1, [&](int process) -> std::string {
    if (process == kRanks) {
      auto b = join(withWrongSecret(id), 0, kRanks);
      impostorDone.open();
      if (b.isOk()) return "the impostor joined";
      RANK_EXPECT_FAILURE(b.status(), Code::kRemote, "failed: wrong secret?");
      return "";
    }
    // Rank 0 joins only after the impostor tried, so the root is still there to refuse it.
    if (process == 0 && !impostorDone.waitOpen(static_cast<int>(kTimeoutMs))) return "the impostor never finished";
    if (process != 0) impostorDone.open();
    auto b = join(id, process, kRanks);
    if (!b.isOk()) return text(b.status());
    return checkAllGather(**b, 16);
  });
  impostorDone.open();  // the parent's copy of the write end
  auto outcomes = ranks.wait(kHarnessDeadline);
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

TEST_CASE("an impostor in a rank's place is refused and the others time out naming that rank",
          "[integration][bootstrap]") {
  // The root's short timeout ends the rendezvous; the ranks would wait longer on their own.
  const fcclUniqueId id = newId(kShortTimeoutMs);
  auto outcomes = runRanks(
      3,
      [&](int rank) -> std::string {
        if (rank == 2) {
          auto b = join(withWrongSecret(id), 2, 3);
          if (b.isOk()) return "the impostor joined";
          RANK_EXPECT_FAILURE(b.status(), Code::kRemote, "wrong secret?");
          return "";
        }
        auto b = join(id, rank, 3, 3 * kShortTimeoutMs);
        if (b.isOk()) return "joined a rendezvous that cannot complete";
        RANK_EXPECT_FAILURE(b.status(), Code::kTimeout, "rendezvous timed out after 2000 ms: rank 2 never arrived");
        return "";
      },
      kHarnessDeadline);
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

TEST_CASE("a missing rank makes every other rank fail with a timeout, never a hang", "[integration][bootstrap]") {
  const fcclUniqueId id = newId(kShortTimeoutMs);
  auto outcomes = runRanks(
      3,  // of 4: rank 3 never comes
      [&](int rank) -> std::string {
        auto b = join(id, rank, 4, kShortTimeoutMs);
        if (b.isOk()) return "joined a rendezvous that cannot complete";
        RANK_EXPECT_FAILURE(b.status(), Code::kTimeout, "timed out after 2000 ms");
        return "";
      },
      kHarnessDeadline);
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

TEST_CASE("a rank gives up at its own deadline while the root still waits", "[integration][bootstrap]") {
  const fcclUniqueId id = newId(kTimeoutMs);
  auto outcomes = runRanks(
      2,  // of 3
      [&](int rank) -> std::string {
        auto b = join(id, rank, 3, kShortTimeoutMs);
        if (b.isOk()) return "joined a rendezvous that cannot complete";
        RANK_EXPECT_FAILURE(b.status(), Code::kTimeout, "waiting for the address table: timed out after 2000 ms");
        return "";
      },
      kHarnessDeadline);
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

TEST_CASE("a stranger without the secret is refused at a rank's own port while the ranks go on",
          "[integration][bootstrap]") {
  const fcclUniqueId id = newId();
  auto outcomes = runRanks(
      2,
      [&](int rank) -> std::string {
        auto b = join(id, rank, 2);
        if (!b.isOk()) return text(b.status());
        Bootstrap& boot = **b;
        std::vector<std::byte> addresses(2 * 64);  // learn rank 0's listen address
        std::memcpy(addresses.data() + rank * 64, boot.address().c_str(), boot.address().size());
        RANK_TRY(boot.allGather(addresses, 64));
        std::vector<std::byte> word(4);
        if (rank == 0) {
          RANK_TRY(boot.recv(1, 1, word));  // serves the strangers meanwhile
          return "";
        }
        auto rank0 = fccl::bootstrap::resolveHostPort(reinterpret_cast<const char*>(addresses.data()), "rank 0");
        if (!rank0.isOk()) return text(rank0.status());
        const fccl::bootstrap::IoWait io(kTimeoutMs, nullptr);
        {  // wrong secret
          auto fd = fccl::bootstrap::connectTo(*rank0, io, false);
          if (!fd.isOk()) return text(fd.status());
          auto secret = fccl::decodeUniqueId(withWrongSecret(id))->secret;
          RANK_EXPECT_FAILURE(fccl::bootstrap::authenticateAsConnector(fd->get(), secret, io, "rank 0"), Code::kRemote,
                              "wrong secret?");
        }
        {  // no authentication at all: a header straight away is taken as a (bad) proof
          auto fd = fccl::bootstrap::connectTo(*rank0, io, false);
          if (!fd.isOk()) return text(fd.status());
          std::vector<std::byte> junk(fccl::bootstrap::kResponseBytes, std::byte{0x41});
          const std::span<const std::byte> parts[] = {junk};
          RANK_TRY(fccl::bootstrap::sendAll(fd->get(), parts, io));
          std::array<std::byte, fccl::bootstrap::kChallengeBytes + 1> challengeThenNothing{};
          RANK_EXPECT_FAILURE(fccl::bootstrap::recvAll(fd->get(), challengeThenNothing, io), Code::kRemote, "closed");
        }
        RANK_TRY(boot.send(0, 1, word));
        return "";
      },
      kHarnessDeadline);
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

namespace {

// A port of `host` that was free a moment ago, for FCCL_COMM_ID; 0 when `host` has no such
// address here (a container without IPv6).
int freePort(const char* host) {
  auto address = fccl::bootstrap::resolveHostPort(std::string(host) + ":1", "test");
  REQUIRE(address.isOk());
  auto fd = fccl::bootstrap::listenOn(address->hostOnly());
  if (!fd.isOk()) return 0;
  auto bound = fccl::bootstrap::localAddress(fd->get());
  REQUIRE(bound.isOk());
  return bound->port();
}

}  // namespace

TEST_CASE("an environment-only launch through FCCL_COMM_ID and FCCL_COMM_SECRET works for 3 ranks",
          "[integration][bootstrap]") {
  const char* host = GENERATE("127.0.0.1", "localhost", "[::1]");
  const int port = freePort(host);
  if (port == 0) {
    WARN("skipped: " << host << " is not an address of this host");
    return;
  }
  const std::string commId = std::string(host) + ":" + std::to_string(port);
  INFO("FCCL_COMM_ID=" << commId);
  auto outcomes = runRanks(
      3,
      [&](int rank) -> std::string {
        ::setenv("FCCL_COMM_ID", commId.c_str(), 1);
        ::setenv("FCCL_COMM_SECRET", "0123456789abcdef0123456789ABCDEF", 1);
        auto id = fccl::uniqueIdFromEnv(rank, kTimeoutMs);  // rank 0 also becomes the root
        if (!id.isOk()) return text(id.status());
        auto b = join(*id, rank, 3);
        if (!b.isOk()) return text(b.status());
        if (auto error = checkAllGather(**b, 100); !error.empty()) return error;
        RANK_TRY((*b)->barrier());
        return "";
      },
      kHarnessDeadline);
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}
