// NetTransport between two forked processes over tcp;ofi_rxm on loopback: 10k chunks in order
// with their contents checked, a slow receiver holding the sender back, and a killed peer
// becoming a health() error within seconds.
#include "transports/scaleout/net_transport.h"

#include <signal.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "harness/run_ranks.h"
#include "plugin/net_test_support.h"

namespace {

using namespace fccl;
using namespace fccl::test;
using namespace std::chrono_literals;

constexpr auto kDeadline = 40s;

NetOptions smallSlots() {
  NetOptions o;
  o.slots = 8;
  o.slotBytes = 4096;
  return o;
}

// The k-th chunk of a stream: its size (0 and a full slot included) and its bytes.
size_t chunkBytes(uint64_t k, size_t slotBytes) { return (k * 37) % (slotBytes + 1); }

struct Ends {
  std::unique_ptr<NetTransport> transport;
  std::unique_ptr<RecvConnector> recv;
  std::unique_ptr<SendConnector> send;
};

// Rank 0 receives, rank 1 sends: the receiver listens and passes the handle over `channel`.
std::string setUp(int rank, const NetOptions& options, Channel& channel, Ends& ends) {
  auto transport = NetTransport::create(options);
  if (!transport.isOk()) return transport.status().message();
  ends.transport = std::move(transport).take();
  if (rank == 0) {
    std::vector<std::byte> handle;
    auto recv = ends.transport->listen({1, -1}, handle);
    if (!recv.isOk()) return recv.status().message();
    ends.recv = std::move(recv).take();
    const uint32_t bytes = static_cast<uint32_t>(handle.size());
    if (!channel.write(&bytes, sizeof(bytes)) || !channel.write(handle.data(), handle.size())) return "cannot pass the handle";
    return "";
  }
  uint32_t bytes = 0;
  if (!channel.read(&bytes, sizeof(bytes)) || bytes > 252) return "no handle from the receiver";
  std::vector<std::byte> handle(bytes);
  if (!channel.read(handle.data(), handle.size())) return "no handle from the receiver";
  auto send = ends.transport->connect({0, -1}, handle);
  if (!send.isOk()) return send.status().message();
  ends.send = std::move(send).take();
  return "";
}

// Sends chunks [first, last) of the stream; `onBlocked` runs whenever no slot is free.
template <class OnBlocked>
std::string sendChunks(SendConnector& send, uint64_t first, uint64_t last, OnBlocked onBlocked,
                       int timeoutMs = 30000) {
  const Deadline deadline = Deadline::afterMs(timeoutMs);
  for (uint64_t k = first; k < last;) {
    auto slot = send.acquire();
    if (slot.empty()) {
      if (auto e = onBlocked(); !e.empty()) return e;
      if (Status h = send.health(); !h.isOk()) return "chunk " + std::to_string(k) + ": " + h.message();
      NET_CHECK(!deadline.expired(), "sending chunk " + std::to_string(k) + " timed out");
      sched_yield();
      continue;
    }
    NET_CHECK(slot.size() == send.slotBytes(), "slot of " + std::to_string(slot.size()) + " bytes");
    const size_t bytes = chunkBytes(k, send.slotBytes());
    fillPattern(slot.first(bytes), k);
    send.commit(bytes);
    ++k;
  }
  return "";
}

// Receives chunks [first, last) and checks each; `onChunk(k + 1)` runs just before chunk k is
// released (a counter it publishes is never behind what the sender may know).
template <class OnChunk>
std::string receiveChunks(RecvConnector& recv, uint64_t first, uint64_t last, size_t slotBytes, OnChunk onChunk,
                          int timeoutMs = 30000) {
  const Deadline deadline = Deadline::afterMs(timeoutMs);
  for (uint64_t k = first; k < last;) {
    auto chunk = recv.peek();
    if (!chunk) {
      if (Status h = recv.health(); !h.isOk()) return "chunk " + std::to_string(k) + ": " + h.message();
      NET_CHECK(!deadline.expired(), "receiving chunk " + std::to_string(k) + " timed out");
      sched_yield();
      continue;
    }
    NET_CHECK(chunk->size() == chunkBytes(k, slotBytes),
              "chunk " + std::to_string(k) + " has " + std::to_string(chunk->size()) + " bytes");
    if (auto e = checkPattern(*chunk, k); !e.empty()) return "chunk " + std::to_string(k) + ": " + e;
    onChunk(k + 1);
    recv.release();
    ++k;
  }
  return "";
}

class TcpLoopback {
 public:
  TcpLoopback() : env_({{"FCCL_NET_PROVIDER", "tcp;ofi_rxm"}, {"FCCL_NET_IFACE", "lo"}, {"FCCL_NET_PLUGIN", nullptr}}) {}

 private:
  ScopedEnv env_;
};

}  // namespace

TEST_CASE("net transport moves 10000 chunks in order with their contents intact", "[unit][net][transport]") {
  TcpLoopback env;
  constexpr uint64_t kChunks = 10000;
  const NetOptions options = smallSlots();
  Channel channel;
  auto outcome = runRanks(2, [&](int rank) -> std::string {
    Ends ends;
    if (auto e = setUp(rank, options, channel, ends); !e.empty()) return e;
    NET_CHECK(ends.transport->name() == "ofi:tcp;ofi_rxm", "transport named " + std::string(ends.transport->name()));
    if (rank == 0) return receiveChunks(*ends.recv, 0, kChunks, options.slotBytes, [](uint64_t) {});
    // The sender returns as soon as it has committed the last chunk: closing its connector
    // still delivers what the net holds.
    return sendChunks(*ends.send, 0, kChunks, [] { return std::string(); });
  }, kDeadline);
  INFO(describe(outcome));
  REQUIRE(allOk(outcome));
}

TEST_CASE("a slow receiver holds the sender back instead of piling up chunks", "[unit][net][transport]") {
  TcpLoopback env;
  constexpr uint64_t kChunks = 400;
  constexpr uint64_t kStallAt = 100;
  const NetOptions options = smallSlots();
  struct Progress {
    std::atomic<uint64_t> released{0};
    std::atomic<uint64_t> blockedDuringStall{0};
    std::atomic<bool> stalled{false};
  };
  Shared<Progress> progress;
  Channel channel;
  auto outcome = runRanks(2, [&](int rank) -> std::string {
    Ends ends;
    if (auto e = setUp(rank, options, channel, ends); !e.empty()) return e;
    if (rank == 0) {
      return receiveChunks(*ends.recv, 0, kChunks, options.slotBytes, [&](uint64_t released) {
        progress->released.store(released);
        if (released == kStallAt) {  // hold every slot for a while, releasing nothing
          progress->stalled.store(true);
          usleep(300000);
          progress->stalled.store(false);
        }
      });
    }
    uint64_t committed = 0;
    auto onBlocked = [&] {
      if (progress->stalled.load()) progress->blockedDuringStall.fetch_add(1);
      return std::string();
    };
    for (uint64_t k = 0; k < kChunks; ++k) {
      if (auto e = sendChunks(*ends.send, k, k + 1, onBlocked); !e.empty()) return e;
      committed = k + 1;
      const uint64_t ahead = committed - progress->released.load();
      NET_CHECK(ahead <= 2 * options.slots, std::to_string(ahead) + " chunks committed beyond what the receiver released");
    }
    return "";
  }, kDeadline);
  INFO(describe(outcome));
  REQUIRE(allOk(outcome));
  REQUIRE(progress->blockedDuringStall.load() > 0);
}

TEST_CASE("a killed net peer becomes a health() error within seconds", "[unit][net][transport][fault]") {
  TcpLoopback env;
  const bool killSender = GENERATE(true, false);
  INFO((killSender ? "sender killed" : "receiver killed"));
  constexpr uint64_t kBeforeDeath = 50;
  const NetOptions options = smallSlots();
  struct Events {
    std::atomic<uint64_t> received{0};
    std::atomic<int64_t> deathNs{0};
  };
  Shared<Events> events;
  Channel channel;
  auto outcome = runRanks(2, [&](int rank) -> std::string {
    Ends ends;
    if (auto e = setUp(rank, options, channel, ends); !e.empty()) return e;
    auto die = [&] {
      events->deathNs.store(nowNs());
      raise(SIGKILL);
    };
    auto noticedInTime = [&](const std::string& e) -> std::string {
      const double seconds = static_cast<double>(nowNs() - events->deathNs.load()) / 1e9;
      NET_CHECK(e.find("the peer is gone") != std::string::npos, "expected a dead-peer error, got: " + e);
      NET_CHECK(seconds < 5, "the death was noticed only after " + std::to_string(seconds) + " s");
      return "";
    };
    if (rank == 0) {
      auto counted = [&](uint64_t k) { events->received.store(k); };
      if (auto e = receiveChunks(*ends.recv, 0, kBeforeDeath, options.slotBytes, counted); !e.empty()) return e;
      if (!killSender) die();
      // Everything the sender committed arrived; now nothing more comes, and health() says why.
      return noticedInTime(receiveChunks(*ends.recv, kBeforeDeath, kBeforeDeath + 1, options.slotBytes, counted, 15000));
    }
    if (auto e = sendChunks(*ends.send, 0, kBeforeDeath, [] { return std::string(); }); !e.empty()) return e;
    if (killSender) {
      const Deadline deadline = Deadline::afterMs(15000);
      while (events->received.load() < kBeforeDeath && !deadline.expired()) {
        (void)ends.send->health();
        sched_yield();
      }
      die();
    }
    return noticedInTime(sendChunks(*ends.send, kBeforeDeath, 1u << 20, [] { return std::string(); }, 15000));
  }, kDeadline);
  INFO(describe(outcome));
  const size_t victim = killSender ? 1 : 0;
  REQUIRE(outcome[1 - victim].ok());
  REQUIRE(outcome[victim].signal == SIGKILL);
}

TEST_CASE("net transport refuses a handle that is not one of its own", "[unit][net][transport]") {
  TcpLoopback env;
  auto outcome = runRanks(1, [](int) -> std::string {
    auto transport = NetTransport::create(smallSlots());
    NET_OK(transport);
    std::vector<std::byte> garbage(144, std::byte{0x33});
    auto send = (*transport)->connect({3, -1}, garbage);
    NET_CHECK(!send.isOk() && send.status().code() == Code::kRemote, "a garbage handle connected");
    NET_CHECK(send.status().message().find("rank 3") != std::string::npos, "message: " + send.status().message());
    auto truncated = (*transport)->connect({3, -1}, std::span(garbage).first(10));
    NET_CHECK(!truncated.isOk() && truncated.status().code() == Code::kRemote, "a truncated handle connected");
    NetOptions bad = smallSlots();
    bad.device = 7;
    auto missing = NetTransport::create(bad);
    NET_CHECK(!missing.isOk() && missing.status().message().find("FCCL_NET_DEVICE=7") != std::string::npos,
              "a missing device: " + (missing.isOk() ? std::string("accepted") : missing.status().message()));
    return "";
  }, kDeadline);
  INFO(describe(outcome));
  REQUIRE(allOk(outcome));
}

TEST_CASE("NetOptions come from the environment, and bad values are errors naming the variable", "[unit][net]") {
  {
    ScopedEnv env({{"FCCL_NET_SLOTS", "4"}, {"FCCL_CHUNK_SIZE", "65536"}, {"FCCL_NET_DEVICE", "1"}});
    auto o = NetOptions::fromEnv();
    REQUIRE(o.isOk());
    REQUIRE(o->slots == 4);
    REQUIRE(o->slotBytes == 65536);
    REQUIRE(o->device == 1);
  }
  {
    ScopedEnv env({{"FCCL_NET_SLOTS", "0"}, {"FCCL_CHUNK_SIZE", nullptr}, {"FCCL_NET_DEVICE", nullptr}});
    auto o = NetOptions::fromEnv();
    REQUIRE_FALSE(o.isOk());
    REQUIRE_THAT(o.status().message(), Catch::Contains("FCCL_NET_SLOTS=0"));
  }
}
