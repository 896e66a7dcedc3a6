// A long seeded sequence of mixed calls on one communicator: every collective and groups of
// sends and receives, with random dtype, op, size, root, placement and alignment, the same on
// every rank (every rank runs the same generator). Every result, gap and guard byte is checked
// against a reference the test computes. FCCL_TEST_SEED picks the sequence; every failure
// message carries the seed, so a failing sequence can be replayed.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "harness/comm_fixture.h"
#include "harness/reference.h"

namespace fccl::test {
namespace {

constexpr fcclDataType_t kTypes[] = {fcclInt8,    fcclUint8,    fcclInt32,      fcclUint32,
                                     fcclInt64,   fcclUint64,   fcclFloat16,    fcclFloat32,
                                     fcclFloat64, fcclBfloat16, fcclFloat8e4m3, fcclFloat8e5m2};
constexpr fcclRedOp_t kOps[] = {fcclSum, fcclProd, fcclMax, fcclMin, fcclAvg};
constexpr size_t kGuardBytes = 32;
constexpr std::byte kPoison{0xA5};

uint64_t envOr(const char* name, uint64_t fallback) {
  if (const char* s = std::getenv(name)) return std::strtoull(s, nullptr, 0);
  return fallback;
}
// The sequence: FCCL_TEST_SEED picks it; FCCL_TEST_STRESS_CALLS and FCCL_TEST_STRESS_MAX_COUNT
// make it longer or its buffers bigger for a soak run.
uint64_t testSeed() { return envOr("FCCL_TEST_SEED", 0x5eedf00dull); }
int callCount() { return static_cast<int>(envOr("FCCL_TEST_STRESS_CALLS", 200)); }
size_t maxElements() { return static_cast<size_t>(std::max<uint64_t>(envOr("FCCL_TEST_STRESS_MAX_COUNT", 100000), 2)); }

enum class Kind { kAllReduce, kAllGather, kReduceScatter, kBroadcast, kReduce, kAllToAll, kAllToAllv, kSendRecv };
constexpr int kKinds = 8;
const char* kindName(Kind k) {
  static const char* names[] = {"allreduce", "allgather", "reducescatter", "broadcast",
                                "reduce",    "alltoall",  "alltoallv",     "send/recv group"};
  return names[static_cast<int>(k)];
}

// One message of a send/recv group.
struct Message {
  int src, dst, index;
  fcclDataType_t type;
  size_t count;
};

// One call of the sequence, with everything every rank needs to know about every rank.
struct Call {
  int index;
  Kind kind;
  fcclDataType_t type;
  fcclRedOp_t op;
  size_t count;  // the API's count (per rank for allgather, reducescatter, alltoall)
  int root;
  bool inPlace;
  bool nullUnused;  // broadcast/reduce: non-roots pass NULL for the buffer they need not have
  size_t misalign;
  size_t salt;  // added to every element index, so that calls differ in their data
  // all-to-allv: counts[from][to], and per rank its displacements, in elements
  std::vector<std::vector<size_t>> counts, sendDispls, recvDispls;
  std::vector<size_t> sendTotal, recvTotal;
  std::vector<Message> messages;  // send/recv group
  uint64_t orderSeed;             // send/recv group: each rank's order of calls derives from it

  std::string describe(int n) const {
    std::string s = "call #" + std::to_string(index) + " " + kindName(kind) + " type " + std::to_string(type) + " op " +
                    std::to_string(op) + " count " + std::to_string(count) + " n=" + std::to_string(n);
    if (kind == Kind::kBroadcast || kind == Kind::kReduce) s += " root " + std::to_string(root);
    return s + (inPlace ? " in-place" : " out-of-place") + " misalign " + std::to_string(misalign);
  }
};

bool hasOp(Kind k) { return k == Kind::kAllReduce || k == Kind::kReduceScatter || k == Kind::kReduce; }

// Draws the next call from the generator every rank runs alike.
Call nextCall(std::mt19937_64& rng, int index, int n) {
  const size_t un = static_cast<size_t>(n);
  auto below = [&](size_t bound) { return static_cast<size_t>(rng() % bound); };
  Call c{};
  c.index = index;
  c.kind = static_cast<Kind>(below(kKinds));
  c.type = kTypes[below(std::size(kTypes))];
  c.op = hasOp(c.kind) ? kOps[below(std::size(kOps))] : fcclSum;
  // Sizes spread evenly over orders of magnitude, 0 one time in ten; the per-rank counts are
  // cut so that no buffer holds more than maxElements().
  size_t size = 0;
  if (below(10) != 0)
    size = static_cast<size_t>(
        std::exp(std::uniform_real_distribution<double>(0, std::log(static_cast<double>(maxElements())))(rng)));
  const bool perRank = c.kind == Kind::kAllGather || c.kind == Kind::kReduceScatter || c.kind == Kind::kAllToAll ||
                       c.kind == Kind::kAllToAllv || c.kind == Kind::kSendRecv;
  c.count = perRank ? size / un : size;
  c.root = static_cast<int>(below(un));
  c.inPlace = below(2) == 0 && c.kind != Kind::kSendRecv;
  c.nullUnused = below(2) == 0;
  static constexpr size_t kMisalign[] = {0, 0, 1, 2, 3, 8};
  c.misalign = kMisalign[below(std::size(kMisalign))];
  c.salt = below(1000);
  if (c.kind == Kind::kAllToAllv) {
    // Per pair a count up to the per-rank size (symmetric in place: the layouts must be one),
    // blocks in a random order of peers, gaps of 0 to 2 elements between them.
    c.counts.assign(un, std::vector<size_t>(un, 0));
    for (size_t a = 0; a < un; ++a)
      for (size_t b = 0; b < un; ++b) c.counts[a][b] = c.count == 0 || below(5) == 0 ? 0 : below(c.count + 1);
    if (c.inPlace)
      for (size_t a = 0; a < un; ++a)
        for (size_t b = 0; b < a; ++b) c.counts[a][b] = c.counts[b][a];
    c.sendDispls.assign(un, std::vector<size_t>(un, 0));
    c.recvDispls.assign(un, std::vector<size_t>(un, 0));
    c.sendTotal.assign(un, 0);
    c.recvTotal.assign(un, 0);
    for (size_t r = 0; r < un; ++r) {
      std::vector<size_t> order(un);
      for (size_t j = 0; j < un; ++j) order[j] = j;
      std::shuffle(order.begin(), order.end(), rng);
      for (size_t j : order) {
        c.recvTotal[r] += below(3);
        c.recvDispls[r][j] = c.recvTotal[r];
        c.recvTotal[r] += c.counts[j][r];
      }
      for (size_t j : order) {
        c.sendTotal[r] += below(3);
        c.sendDispls[r][j] = c.sendTotal[r];
        c.sendTotal[r] += c.counts[r][j];
      }
      if (c.inPlace) {
        c.sendDispls[r] = c.recvDispls[r];
        c.sendTotal[r] = c.recvTotal[r];
      }
    }
  }
  if (c.kind == Kind::kSendRecv) {
    for (int a = 0; a < n; ++a)
      for (int b = 0; b < n; ++b) {
        const size_t m = below(3);
        for (size_t k = 0; k < m; ++k) {
          const fcclDataType_t t = kTypes[below(std::size(kTypes))];
          const size_t bytes = c.count == 0 ? 0 : below(c.count * 8 + 1);
          c.messages.push_back({a, b, static_cast<int>(k), t, bytes / elementBytes(t)});
        }
      }
    c.orderSeed = rng();
  }
  return c;
}

std::byte pattern(const Call& c, const Message& m, size_t i) {
  return static_cast<std::byte>((static_cast<size_t>(m.src) * 131 + static_cast<size_t>(m.dst) * 31 +
                                 static_cast<size_t>(m.index) * 17 + static_cast<size_t>(c.index) * 5 + i * 7 +
                                 (i >> 8)) &
                                0xff);
}

std::string runSendRecv(fcclComm_t comm, const Call& c, int rank, int n) {
  // This rank's calls: a random interleaving that keeps, per peer and direction, message order.
  std::vector<std::vector<const Message*>> queues(2 * static_cast<size_t>(n));  // sends to p, then recvs from p
  for (const Message& m : c.messages) {
    if (m.src == rank) queues[static_cast<size_t>(m.dst)].push_back(&m);
    if (m.dst == rank) queues[static_cast<size_t>(n + m.src)].push_back(&m);
  }
  std::mt19937_64 order(c.orderSeed + static_cast<uint64_t>(rank) * 1000003u);
  std::vector<size_t> next(queues.size(), 0);
  struct Posted {
    bool send;
    const Message* m;
    std::vector<std::byte> buffer;
  };
  std::vector<Posted> posted;
  for (;;) {
    std::vector<size_t> open;
    for (size_t q = 0; q < queues.size(); ++q)
      if (next[q] < queues[q].size()) open.push_back(q);
    if (open.empty()) break;
    const size_t q = open[order() % open.size()];
    const Message* m = queues[q][next[q]++];
    const size_t bytes = m->count * elementBytes(m->type);
    Posted p{q < static_cast<size_t>(n), m, std::vector<std::byte>(bytes + kGuardBytes, kPoison)};
    if (p.send)
      for (size_t i = 0; i < bytes; ++i) p.buffer[i] = pattern(c, *m, i);
    posted.push_back(std::move(p));
  }
  FCCL_TEST_CALL(fcclGroupStart());
  for (Posted& p : posted) {
    const fcclResult_t r = p.send ? fcclSend(p.buffer.data(), p.m->count, p.m->type, p.m->dst, comm, nullptr)
                                  : fcclRecv(p.buffer.data(), p.m->count, p.m->type, p.m->src, comm, nullptr);
    if (r != fcclSuccess) {
      fcclGroupEnd();
      return failure(p.send ? "fcclSend" : "fcclRecv", r);
    }
  }
  FCCL_TEST_CALL(fcclGroupEnd());
  for (const Posted& p : posted) {
    if (p.send) continue;
    const size_t bytes = p.m->count * elementBytes(p.m->type);
    for (size_t i = 0; i < bytes; ++i)
      if (p.buffer[i] != pattern(c, *p.m, i))
        return "message " + std::to_string(p.m->index) + " from rank " + std::to_string(p.m->src) + " (" +
               std::to_string(p.m->count) + " x type " + std::to_string(p.m->type) + "): byte " + std::to_string(i) +
               " is wrong";
    for (size_t g = 0; g < kGuardBytes; ++g)
      if (p.buffer[bytes + g] != kPoison) return "written past the end of a receive buffer";
  }
  return "";
}

// Runs one collective call on this rank and checks its output; "" when right.
std::string runCollective(fcclComm_t comm, const Call& c, int rank, int n) {
  const size_t es = elementBytes(c.type), un = static_cast<size_t>(n), ur = static_cast<size_t>(rank);
  size_t inCount = c.count, outCount = c.count;
  if (c.kind == Kind::kAllGather) outCount = c.count * un;
  if (c.kind == Kind::kReduceScatter) inCount = c.count * un;
  if (c.kind == Kind::kAllToAll) inCount = outCount = c.count * un;
  if (c.kind == Kind::kAllToAllv) inCount = c.sendTotal[ur], outCount = c.recvTotal[ur];
  const fcclRedOp_t genOp = hasOp(c.kind) ? c.op : fcclSum;
  auto input = [&](int r, size_t i) { return inputValue(c.type, genOp, r, i + c.salt, n); };

  std::vector<std::byte> inStore(inCount * es + c.misalign + kGuardBytes, kPoison);
  std::vector<std::byte> outStore(outCount * es + c.misalign + kGuardBytes, kPoison);
  std::byte* in = inStore.data() + c.misalign;
  std::byte* out = outStore.data() + c.misalign;
  if (c.inPlace) {
    if (c.kind == Kind::kAllGather)
      in = out + ur * c.count * es;
    else if (c.kind == Kind::kReduceScatter)
      out = in + ur * c.count * es;
    else
      in = out;
  }
  for (size_t i = 0; i < inCount; ++i) encode(c.type, input(rank, i), in + i * es);
  const bool root = rank == c.root;
  const void* send = in;
  void* recv = out;
  if (!c.inPlace && c.nullUnused && !root && c.kind == Kind::kBroadcast) send = nullptr;
  if (!c.inPlace && c.nullUnused && !root && c.kind == Kind::kReduce) recv = nullptr;
  fcclResult_t r = fcclSuccess;
  switch (c.kind) {
    case Kind::kAllReduce:
      r = fcclAllReduce(send, recv, c.count, c.type, c.op, comm, nullptr);
      break;
    case Kind::kAllGather:
      r = fcclAllGather(send, recv, c.count, c.type, comm, nullptr);
      break;
    case Kind::kReduceScatter:
      r = fcclReduceScatter(send, recv, c.count, c.type, c.op, comm, nullptr);
      break;
    case Kind::kBroadcast:
      r = fcclBroadcast(send, recv, c.count, c.type, c.root, comm, nullptr);
      break;
    case Kind::kReduce:
      r = fcclReduce(send, recv, c.count, c.type, c.op, c.root, comm, nullptr);
      break;
    case Kind::kAllToAll:
      r = fcclAllToAll(send, recv, c.count, c.type, comm, nullptr);
      break;
    case Kind::kAllToAllv: {
      std::vector<size_t> sc(un), rc(un);
      for (size_t j = 0; j < un; ++j) sc[j] = c.counts[ur][j], rc[j] = c.counts[j][ur];
      r = fcclAllToAllv(send, sc.data(), c.sendDispls[ur].data(), recv, rc.data(), c.recvDispls[ur].data(), c.type,
                        comm, nullptr);
      break;
    }
    case Kind::kSendRecv:
      return "not a collective";
  }
  if (r != fcclSuccess) return failure(kindName(c.kind), r);

  auto check = [&](size_t i, double want) -> std::string {
    const double got = decode(c.type, out + i * es);
    if (matches(c.type, c.op, got, want) || (std::isnan(got) && std::isnan(want))) return "";
    return "element " + std::to_string(i) + " of " + std::to_string(outCount) + " is " + std::to_string(got) +
           ", expected " + std::to_string(want);
  };
  if (c.kind == Kind::kReduce && !root) {  // only the root's recvbuff is written
    for (size_t i = 0; c.inPlace && i < c.count; ++i)
      if (std::string e = check(i, input(rank, i)); !e.empty()) return "a non-root's in-place buffer changed: " + e;
    for (size_t i = 0; !c.inPlace && i < outStore.size(); ++i)
      if (outStore[i] != kPoison) return "a non-root rank's recvbuff was written";
    return "";
  }
  if (c.kind == Kind::kAllToAllv) {
    std::vector<int> owner(outCount, -1);  // which rank's block covers element i
    for (size_t j = 0; j < un; ++j)
      for (size_t k = 0; k < c.counts[j][ur]; ++k) owner[c.recvDispls[ur][j] + k] = static_cast<int>(j);
    for (size_t i = 0; i < outCount; ++i) {
      const int from = owner[i];
      if (from < 0) {  // a gap: untouched
        if (c.inPlace) {
          if (std::string e = check(i, input(rank, i)); !e.empty()) return "a gap changed in place: " + e;
        } else if (out[i * es] != kPoison) {
          return "the gap at element " + std::to_string(i) + " was written";
        }
        continue;
      }
      const size_t k = i - c.recvDispls[ur][static_cast<size_t>(from)];
      const double want = input(from, c.sendDispls[static_cast<size_t>(from)][ur] + k);
      if (std::string e = check(i, want); !e.empty()) return e + " (from rank " + std::to_string(from) + ")";
    }
  } else {
    for (size_t i = 0; i < outCount; ++i) {
      double want = 0;
      switch (c.kind) {
        case Kind::kAllReduce:
        case Kind::kReduce:
          want = reducedValue(c.type, c.op, i + c.salt, n);
          break;
        case Kind::kReduceScatter:
          want = reducedValue(c.type, c.op, ur * c.count + i + c.salt, n);
          break;
        case Kind::kAllGather:
          want = input(static_cast<int>(i / c.count), i % c.count);
          break;
        case Kind::kBroadcast:
          want = input(c.root, i);
          break;
        case Kind::kAllToAll:
          want = input(static_cast<int>(i / c.count), ur * c.count + i % c.count);
          break;
        default:
          break;
      }
      if (std::string e = check(i, want); !e.empty()) return e;
    }
  }
  if (!(c.inPlace && c.kind == Kind::kReduceScatter)) {  // there recvbuff lies inside sendbuff
    const std::byte* guard = outStore.data() + c.misalign + outCount * es;
    for (size_t g = 0; g < kGuardBytes; ++g)
      if (guard[g] != kPoison) return "wrote past the end of recvbuff";
  }
  return "";
}

void runSequence(int n) {
  const uint64_t seed = testSeed();
  const int calls = callCount();
  std::string tag = "FCCL_TEST_SEED=" + std::to_string(seed) + " n=" + std::to_string(n);
  if (calls != 200 || maxElements() != 100000)
    tag += " FCCL_TEST_STRESS_CALLS=" + std::to_string(calls) +
           " FCCL_TEST_STRESS_MAX_COUNT=" + std::to_string(maxElements());
  INFO(tag << " (set FCCL_TEST_SEED to replay)");
  runOnComms(
      n,
      [&](fcclComm_t comm, int rank) -> std::string {
        std::mt19937_64 rng(seed * 0x9e3779b97f4a7c15ull + static_cast<uint64_t>(n));
        for (int k = 0; k < calls; ++k) {
          const Call c = nextCall(rng, k, n);
          std::string error =
              c.kind == Kind::kSendRecv ? runSendRecv(comm, c, rank, n) : runCollective(comm, c, rank, n);
          if (!error.empty()) return tag + " " + c.describe(n) + ": " + error;
        }
        return "";
      },
      std::chrono::seconds(150 * std::max(1, calls / 200) *
                           static_cast<int>(std::max<size_t>(1, maxElements() / 100000))),
      30000);
}

}  // namespace

TEST_CASE("a seeded sequence of 200 mixed calls is right on 4 ranks", "[integration][stress]") { runSequence(4); }
TEST_CASE("a seeded sequence of 200 mixed calls is right on 7 ranks", "[integration][stress]") { runSequence(7); }

}  // namespace fccl::test
