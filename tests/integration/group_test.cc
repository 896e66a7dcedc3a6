// Groups of sends and receives: any pattern of exchanges completes whatever order each rank makes
// its calls in, groups nest (only the outermost fcclGroupEnd launches), collectives and
// point-to-point mix in one group, and a bad call inside a group launches nothing and leaves
// the communicator usable.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "harness/comm_fixture.h"
#include "harness/reference.h"
#include "harness/run_ranks.h"

namespace fccl::test {
namespace {

constexpr fcclDataType_t kTypes[] = {fcclInt8,    fcclUint8,    fcclInt32,      fcclUint32,
                                     fcclInt64,   fcclUint64,   fcclFloat16,    fcclFloat32,
                                     fcclFloat64, fcclBfloat16, fcclFloat8e4m3, fcclFloat8e5m2};
constexpr size_t kGuardBytes = 64;
constexpr std::byte kPoison{0xA5};
// Bigger than the scale-up FIFO (8 slots x 512 KiB) and not a multiple of any chunk.
constexpr size_t kBigBytes = (4u << 20) + (512u << 10) + 24;

uint64_t mix(uint64_t a, uint64_t b = 0, uint64_t c = 0, uint64_t d = 0) {
  uint64_t h = 0x9e3779b97f4a7c15ull;
  for (uint64_t v : {a, b, c, d}) {
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
  }
  return h;
}

// The byte `i` of message `msg` from `src` to `dst`: every byte differs from its neighbours and
// from the same byte of other messages, so a message delivered to the wrong place shows.
std::byte pattern(int src, int dst, int msg, size_t i) {
  return static_cast<std::byte>((static_cast<size_t>(src) * 131 + static_cast<size_t>(dst) * 31 +
                                 static_cast<size_t>(msg) * 17 + i * 7 + (i >> 9)) &
                                0xff);
}

// One message of the all-to-all pattern: its dtype and element count, the same on both sides.
struct Message {
  int src, dst, index;
  fcclDataType_t type;
  size_t count;
  size_t bytes() const { return count * elementBytes(type); }
};

// Messages from src to dst: 1 to 3 of them, of sizes from 0 to more than the FIFO holds; the
// first message to the next rank is big, as is one message rank 0 sends itself.
std::vector<Message> messagesBetween(int src, int dst, int n) {
  static constexpr size_t kSmallBytes[] = {0, 1, 3, 8, 100, 4097, 65536 + 5, (512u << 10) + 40, 1u << 20};
  std::vector<Message> out;
  const int count = 1 + static_cast<int>(mix(static_cast<uint64_t>(src), static_cast<uint64_t>(dst), 1) % 3);
  for (int m = 0; m < count; ++m) {
    const uint64_t h = mix(static_cast<uint64_t>(src), static_cast<uint64_t>(dst), static_cast<uint64_t>(m), 2);
    const fcclDataType_t type = kTypes[h % std::size(kTypes)];
    size_t bytes = kSmallBytes[(h >> 8) % std::size(kSmallBytes)];
    if ((m == 0 && dst == (src + 1) % n) || (src == 0 && dst == 0 && m == count - 1)) bytes = kBigBytes;
    out.push_back({src, dst, m, type, bytes / elementBytes(type)});
  }
  return out;
}

// A call this rank makes: a send or a receive of one message, with its buffer.
struct P2pCall {
  bool send;
  Message message;
  std::vector<std::byte>* buffer;
};

std::string describe(const Message& m) {
  return "message " + std::to_string(m.index) + " from rank " + std::to_string(m.src) + " to rank " +
         std::to_string(m.dst) + " (" + std::to_string(m.count) + " x type " + std::to_string(m.type) + ")";
}

// Every rank sends to every rank (itself included) in a random order of calls that keeps, per
// peer and direction, the order of the messages; one group; every byte and guard checked.
std::string allToAllBySendRecv(fcclComm_t comm, int rank, int n, uint32_t seed) {
  std::vector<std::vector<Message>> sendQueues, recvQueues;  // per peer, in message order
  for (int peer = 0; peer < n; ++peer) {
    sendQueues.push_back(messagesBetween(rank, peer, n));
    recvQueues.push_back(messagesBetween(peer, rank, n));
  }
  std::vector<std::vector<std::byte>> sendBuffers, recvBuffers;
  std::vector<Message> received;
  sendBuffers.reserve(64);
  recvBuffers.reserve(64);
  // Draw calls from random queues: a random interleaving that keeps each queue's order.
  std::mt19937 rng(seed + static_cast<uint32_t>(rank) * 7919u);
  std::vector<P2pCall> calls;
  std::vector<size_t> sendNext(static_cast<size_t>(n)), recvNext(static_cast<size_t>(n));
  for (;;) {
    std::vector<int> open;  // queue ids: peer for sends, n + peer for receives
    for (int p = 0; p < n; ++p) {
      if (sendNext[static_cast<size_t>(p)] < sendQueues[static_cast<size_t>(p)].size()) open.push_back(p);
      if (recvNext[static_cast<size_t>(p)] < recvQueues[static_cast<size_t>(p)].size()) open.push_back(n + p);
    }
    if (open.empty()) break;
    const int q = open[rng() % open.size()];
    const bool send = q < n;
    const size_t peer = static_cast<size_t>(send ? q : q - n);
    const Message m = send ? sendQueues[peer][sendNext[peer]++] : recvQueues[peer][recvNext[peer]++];
    if (send) {
      sendBuffers.emplace_back(m.bytes());
      for (size_t i = 0; i < m.bytes(); ++i) sendBuffers.back()[i] = pattern(m.src, m.dst, m.index, i);
      calls.push_back({true, m, &sendBuffers.back()});
    } else {
      recvBuffers.emplace_back(m.bytes() + kGuardBytes, kPoison);
      calls.push_back({false, m, &recvBuffers.back()});
    }
  }
  FCCL_TEST_CALL(fcclGroupStart());
  for (const P2pCall& c : calls) {
    // A count of 0 needs no buffer: pass NULL for those.
    std::byte* data = c.message.count == 0 ? nullptr : c.buffer->data();
    fcclResult_t r = c.send ? fcclSend(data, c.message.count, c.message.type, c.message.dst, comm, nullptr)
                            : fcclRecv(data, c.message.count, c.message.type, c.message.src, comm, nullptr);
    if (r != fcclSuccess) {
      fcclGroupEnd();
      return failure(c.send ? "fcclSend" : "fcclRecv", r) + " for " + describe(c.message);
    }
  }
  FCCL_TEST_CALL(fcclGroupEnd());
  for (const P2pCall& c : calls) {
    const Message& m = c.message;
    const std::vector<std::byte>& b = *c.buffer;
    if (c.send) {
      for (size_t i = 0; i < m.bytes(); ++i)
        if (b[i] != pattern(m.src, m.dst, m.index, i)) return "the send buffer of " + describe(m) + " was modified";
      continue;
    }
    for (size_t i = 0; i < m.bytes(); ++i)
      if (b[i] != pattern(m.src, m.dst, m.index, i))
        return describe(m) + ": byte " + std::to_string(i) + " is " + std::to_string(static_cast<int>(b[i])) +
               ", expected " + std::to_string(static_cast<int>(pattern(m.src, m.dst, m.index, i)));
    for (size_t g = 0; g < kGuardBytes; ++g)
      if (b[m.bytes() + g] != kPoison) return describe(m) + ": written past the end of the receive buffer";
  }
  return "";
}

// Ring exchange of `count` int32 with tag `tag`: send to next, receive from prev, in one group
// (or a nesting of groups, see the callers); checks what came in.
std::string checkRingData(const std::vector<int32_t>& got, int from, int tag) {
  for (size_t i = 0; i < got.size(); ++i) {
    const int32_t want = from * 1000003 + tag * 7 + static_cast<int32_t>(i);
    if (got[i] != want)
      return "ring exchange " + std::to_string(tag) + ": element " + std::to_string(i) + " from rank " +
             std::to_string(from) + " is " + std::to_string(got[i]) + ", expected " + std::to_string(want);
  }
  return "";
}
std::vector<int32_t> ringData(int rank, size_t count, int tag) {
  std::vector<int32_t> v(count);
  for (size_t i = 0; i < count; ++i) v[i] = rank * 1000003 + tag * 7 + static_cast<int32_t>(i);
  return v;
}

}  // namespace

TEST_CASE("all-to-all from sends and receives in a group, calls in random order, mixed sizes and dtypes",
          "[integration][group]") {
  const int n = GENERATE(2, 3, 5, 8);
  const uint32_t seed = 20240607u + static_cast<uint32_t>(n);
  INFO("n=" << n << " seed " << seed);
  runOnComms(
      n,
      [&](fcclComm_t comm, int rank) -> std::string {
        for (uint32_t round = 0; round < 2; ++round) {  // twice: the second reuses warm connections
          std::string error = allToAllBySendRecv(comm, rank, n, seed + round * 101u);
          if (!error.empty())
            return "round " + std::to_string(round) + " (seed " + std::to_string(seed) + "): " + error;
        }
        return "";
      },
      std::chrono::seconds(120));
}

TEST_CASE("a group of thousands of small messages per pair keeps their order", "[integration][group]") {
  const int n = 3;
  runOnComms(
      n,
      [&](fcclComm_t comm, int rank) -> std::string {
        const int perPeer = 1500;
        std::vector<std::vector<int64_t>> in(static_cast<size_t>(n)), out(static_cast<size_t>(n));
        for (int p = 0; p < n; ++p) {
          in[static_cast<size_t>(p)].assign(perPeer * 3, -1);
          out[static_cast<size_t>(p)].resize(perPeer * 3);
          for (int k = 0; k < perPeer * 3; ++k)
            out[static_cast<size_t>(p)][static_cast<size_t>(k)] = rank * 100000000 + p * 1000000 + k;
        }
        FCCL_TEST_CALL(fcclGroupStart());
        for (int k = 0; k < perPeer; ++k)  // message k to each peer: 1 to 3 elements, at offset 3k
          for (int p = 0; p < n; ++p) {
            const size_t size = static_cast<size_t>(1 + (k + rank + p) % 3),
                         recvSize = static_cast<size_t>(1 + (k + p + rank) % 3);
            FCCL_TEST_CALL(fcclSend(out[static_cast<size_t>(p)].data() + 3 * k, size, fcclInt64, p, comm, nullptr));
            FCCL_TEST_CALL(fcclRecv(in[static_cast<size_t>(p)].data() + 3 * k, recvSize, fcclInt64, p, comm, nullptr));
          }
        FCCL_TEST_CALL(fcclGroupEnd());
        for (int p = 0; p < n; ++p)
          for (int k = 0; k < perPeer; ++k)
            for (int e = 0; e < 3; ++e) {
              const int64_t got = in[static_cast<size_t>(p)][static_cast<size_t>(3 * k + e)];
              const int64_t want = e < 1 + (k + p + rank) % 3 ? p * 100000000 + rank * 1000000 + 3 * k + e : -1;
              if (got != want)
                return "message " + std::to_string(k) + " from rank " + std::to_string(p) + " element " +
                       std::to_string(e) + " is " + std::to_string(got) + ", expected " + std::to_string(want);
            }
        return "";
      },
      std::chrono::seconds(60));
}

TEST_CASE("nested groups launch only at the outermost fcclGroupEnd", "[integration][group]") {
  const int n = 3;
  runOnComms(
      n,
      [&](fcclComm_t comm, int rank) -> std::string {
        const int next = (rank + 1) % n, prev = (rank + n - 1) % n;
        // Bigger than the FIFO: had an inner fcclGroupEnd launched the sends alone, every rank would
        // wait for a receive that was not posted yet (a timeout after 20 s, not this test's pass).
        const size_t count = kBigBytes / 4;
        std::vector<int32_t> out = ringData(rank, count, 1), in(count, -1);
        FCCL_TEST_CALL(fcclGroupStart());
        FCCL_TEST_CALL(fcclGroupStart());
        FCCL_TEST_CALL(fcclSend(out.data(), count, fcclInt32, next, comm, nullptr));
        FCCL_TEST_CALL(fcclGroupEnd());
        FCCL_TEST_CALL(fcclGroupStart());
        FCCL_TEST_CALL(fcclGroupStart());
        FCCL_TEST_CALL(fcclRecv(in.data(), count, fcclInt32, prev, comm, nullptr));
        FCCL_TEST_CALL(fcclGroupEnd());
        FCCL_TEST_CALL(fcclGroupEnd());
        if (in[0] != -1 || in[count - 1] != -1) return "data arrived before the outermost fcclGroupEnd";
        FCCL_TEST_CALL(fcclGroupEnd());
        return checkRingData(in, prev, 1);
      },
      std::chrono::seconds(60));
}

TEST_CASE("a group mixes collectives with sends and receives", "[integration][group]") {
  const int n = GENERATE(2, 4);
  INFO("n=" << n);
  runOnComms(
      n,
      [&](fcclComm_t comm, int rank) -> std::string {
        const int next = (rank + 1) % n, prev = (rank + n - 1) % n;
        const size_t count = 300000;  // over a chunk, so the parts of the group interleave on the wire
        std::vector<int32_t> out = ringData(rank, count, 2), in(count, -1), back(count, -1);
        std::vector<float> x(count), sum(count, -1.0f), gathered(4 * static_cast<size_t>(n), -1.0f);
        for (size_t i = 0; i < count; ++i) x[i] = static_cast<float>((static_cast<size_t>(rank) + i) % 7);
        const float mine[4] = {static_cast<float>(rank), 1, 2, 3};
        FCCL_TEST_CALL(fcclGroupStart());
        FCCL_TEST_CALL(fcclSend(out.data(), count, fcclInt32, next, comm, nullptr));  // p2p first in call order
        FCCL_TEST_CALL(fcclAllReduce(x.data(), sum.data(), count, fcclFloat32, fcclSum, comm, nullptr));
        FCCL_TEST_CALL(fcclRecv(in.data(), count, fcclInt32, prev, comm, nullptr));
        FCCL_TEST_CALL(fcclAllGather(mine, gathered.data(), 4, fcclFloat32, comm, nullptr));
        FCCL_TEST_CALL(fcclSend(out.data(), count, fcclInt32, prev, comm, nullptr));
        FCCL_TEST_CALL(fcclRecv(back.data(), count, fcclInt32, next, comm, nullptr));
        FCCL_TEST_CALL(fcclGroupEnd());
        for (size_t i = 0; i < count; ++i) {
          float want = 0;
          for (int r = 0; r < n; ++r) want += static_cast<float>((static_cast<size_t>(r) + i) % 7);
          if (sum[i] != want) return "allreduce element " + std::to_string(i) + " is " + std::to_string(sum[i]);
        }
        for (int r = 0; r < n; ++r)
          for (int k = 0; k < 4; ++k) {
            const float want = k == 0 ? static_cast<float>(r) : static_cast<float>(k);
            if (gathered[static_cast<size_t>(4 * r + k)] != want)
              return "allgather block " + std::to_string(r) + " is wrong";
          }
        if (std::string e = checkRingData(in, prev, 2); !e.empty()) return "to next: " + e;
        if (std::string e = checkRingData(back, next, 2); !e.empty()) return "to prev: " + e;
        return "";
      },
      std::chrono::seconds(60));
}

TEST_CASE("a group over two communicators runs them at the same time", "[integration][group]") {
  const int n = 3;
  runOnComms(
      n,
      [&](fcclComm_t comm, int rank) -> std::string {
        fcclComm_t copy = nullptr;
        FCCL_TEST_CALL(fcclCommSplit(comm, 0, rank, &copy, nullptr));
        // Rank 0 calls on the copy first, the others on the original first: run one after the
        // other, each rank would wait in the communicator the others are not in yet.
        const size_t count = 2 << 20;  // 8 MiB of floats, well past the FIFO
        std::vector<float> a(count, static_cast<float>(rank + 1)), b(count, static_cast<float>(rank * 2));
        std::vector<float> ra(count, -1.0f), rb(count, -1.0f);
        FCCL_TEST_CALL(fcclGroupStart());
        if (rank == 0) FCCL_TEST_CALL(fcclAllReduce(b.data(), rb.data(), count, fcclFloat32, fcclMax, copy, nullptr));
        FCCL_TEST_CALL(fcclAllReduce(a.data(), ra.data(), count, fcclFloat32, fcclSum, comm, nullptr));
        if (rank != 0) FCCL_TEST_CALL(fcclAllReduce(b.data(), rb.data(), count, fcclFloat32, fcclMax, copy, nullptr));
        FCCL_TEST_CALL(fcclGroupEnd());
        for (size_t i = 0; i < count; ++i) {
          if (ra[i] != 6.0f) return "original: element " + std::to_string(i) + " is " + std::to_string(ra[i]);
          if (rb[i] != 4.0f) return "copy: element " + std::to_string(i) + " is " + std::to_string(rb[i]);
        }
        FCCL_TEST_CALL(fcclCommDestroy(copy));
        return "";
      },
      std::chrono::seconds(60));
}

TEST_CASE("a bad call inside a group fails at once, the group launches nothing, the comm still works",
          "[integration][group]") {
  const int n = 3;
  runOnComms(
      n,
      [&](fcclComm_t comm, int rank) -> std::string {
        const int next = (rank + 1) % n, prev = (rank + n - 1) % n;
        const size_t count = 1000;
        std::vector<int32_t> stale = ringData(rank, count, 3), in(count, -1);
        for (int bad : {n, -1}) {  // the peer is out of range: one rank past the end, then negative
          FCCL_TEST_CALL(fcclGroupStart());
          FCCL_TEST_CALL(fcclSend(stale.data(), count, fcclInt32, next, comm, nullptr));
          FCCL_TEST_CALL(fcclRecv(in.data(), count, fcclInt32, prev, comm, nullptr));
          if (bad == n)
            FCCL_TEST_EXPECT(fcclSend(stale.data(), count, fcclInt32, bad, comm, nullptr), fcclInvalidArgument);
          else
            FCCL_TEST_EXPECT(fcclRecv(in.data(), count, fcclInt32, bad, comm, nullptr), fcclInvalidArgument);
          if (std::string(fcclGetLastError(nullptr)).find("peer") == std::string::npos)
            return std::string("the error does not name the peer: ") + fcclGetLastError(nullptr);
          // Calls after the bad one are recorded as usual; the group is lost anyway.
          FCCL_TEST_CALL(fcclSend(stale.data(), count, fcclInt32, prev, comm, nullptr));
          const fcclResult_t end = fcclGroupEnd();
          if (end == fcclSuccess)
            return "fcclGroupEnd of a group with a bad call (peer " + std::to_string(bad) + ") succeeded";
          if (in[0] != -1) return "the failed group moved data";
        }
        // Nothing of the failed groups is pending: a fresh exchange gets the fresh data.
        std::vector<int32_t> fresh = ringData(rank, count, 4);
        FCCL_TEST_CALL(fcclGroupStart());
        FCCL_TEST_CALL(fcclSend(fresh.data(), count, fcclInt32, next, comm, nullptr));
        FCCL_TEST_CALL(fcclRecv(in.data(), count, fcclInt32, prev, comm, nullptr));
        FCCL_TEST_CALL(fcclGroupEnd());
        if (std::string e = checkRingData(in, prev, 4); !e.empty()) return "after the failed groups: " + e;
        int32_t v = rank + 1, total = 0;
        FCCL_TEST_CALL(fcclAllReduce(&v, &total, 1, fcclInt32, fcclSum, comm, nullptr));
        if (total != n * (n + 1) / 2) return "allreduce after the failed groups gave " + std::to_string(total);
        fcclResult_t state = fcclInternalError;
        FCCL_TEST_CALL(fcclCommGetAsyncError(comm, &state));
        if (state != fcclSuccess)
          return std::string("async error after the failed groups: ") + fcclGetErrorString(state);
        return "";
      },
      std::chrono::seconds(60));
}

TEST_CASE("fcclGroupEnd without fcclGroupStart is invalid usage", "[integration][group]") {
  auto outcomes = runRanks(
      1,
      [](int) -> std::string {
        FCCL_TEST_EXPECT(fcclGroupEnd(), fcclInvalidUsage);
        FCCL_TEST_CALL(fcclGroupStart());
        FCCL_TEST_CALL(fcclGroupStart());
        FCCL_TEST_CALL(fcclGroupEnd());
        FCCL_TEST_CALL(fcclGroupEnd());  // an empty group launches nothing and succeeds
        FCCL_TEST_EXPECT(fcclGroupEnd(), fcclInvalidUsage);
        return "";
      },
      std::chrono::seconds(20));
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

TEST_CASE("sends and receives outside a group work, blocking, for small messages", "[integration][group]") {
  const int n = GENERATE(2, 3);
  INFO("n=" << n);
  runOnComms(
      n,
      [&](fcclComm_t comm, int rank) -> std::string {
        // A chain around the ring: rank 0 sends first, every other rank receives from its left
        // before it sends to its right, so the blocking calls always have a partner.
        const int next = (rank + 1) % n, prev = (rank + n - 1) % n;
        for (size_t count : {size_t{1}, size_t{7}, size_t{4099}, size_t{60000}}) {
          for (fcclDataType_t type : {fcclInt8, fcclFloat64, fcclBfloat16}) {
            const size_t bytes = count * elementBytes(type);
            std::vector<std::byte> out(bytes), in(bytes + kGuardBytes, kPoison);
            for (size_t i = 0; i < bytes; ++i) out[i] = pattern(rank, next, static_cast<int>(type), i);
            if (rank == 0) {
              FCCL_TEST_CALL(fcclSend(out.data(), count, type, next, comm, nullptr));
              FCCL_TEST_CALL(fcclRecv(in.data(), count, type, prev, comm, nullptr));
            } else {
              FCCL_TEST_CALL(fcclRecv(in.data(), count, type, prev, comm, nullptr));
              FCCL_TEST_CALL(fcclSend(out.data(), count, type, next, comm, nullptr));
            }
            for (size_t i = 0; i < bytes; ++i)
              if (in[i] != pattern(prev, rank, static_cast<int>(type), i))
                return "count " + std::to_string(count) + " type " + std::to_string(type) + ": byte " +
                       std::to_string(i) + " from rank " + std::to_string(prev) + " is wrong";
            for (size_t g = 0; g < kGuardBytes; ++g)
              if (in[bytes + g] != kPoison) return "written past the end of the receive buffer";
          }
        }
        return "";
      },
      std::chrono::seconds(60));
}

}  // namespace fccl::test
