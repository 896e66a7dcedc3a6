// Every collective x dtype x op x size, in place and out of place, on real processes over the
// scale-up transport, checked element by element against the reference the test computes.
#include <catch2/catch.hpp>

#include <cstring>
#include <map>
#include <tuple>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/comm_fixture.h"
#include "harness/reference.h"
#include "harness/run_ranks.h"

namespace fccl::test {
namespace {

enum class Coll { kAllReduce, kAllGather, kReduceScatter, kBroadcast, kReduce, kAllToAll, kAllToAllv };
const char* collName(Coll c) {
  switch (c) {
    case Coll::kAllReduce: return "allreduce";
    case Coll::kAllGather: return "allgather";
    case Coll::kReduceScatter: return "reducescatter";
    case Coll::kBroadcast: return "broadcast";
    case Coll::kReduce: return "reduce";
    case Coll::kAllToAll: return "alltoall";
    case Coll::kAllToAllv: return "alltoallv";
  }
  return "?";
}
bool hasOp(Coll c) { return c == Coll::kAllReduce || c == Coll::kReduceScatter || c == Coll::kReduce; }
bool rooted(Coll c) { return c == Coll::kBroadcast || c == Coll::kReduce; }

// All-to-allv layout: what rank `from` sends to rank `to`. Out of place the sizes differ per
// direction; in place the send and receive layouts must be one, so they are symmetric. Blocks
// are separated by a gap of one element that no rank may write.
size_t vCount(size_t count, int from, int to, bool symmetric) {
  if (count == 0) return 0;
  return symmetric ? count + static_cast<size_t>((from + to) % 3) : count + static_cast<size_t>((3 * from + to) % 4);
}
struct VLayout {
  std::vector<size_t> sendCounts, sendDispls, recvCounts, recvDispls;
  size_t sendTotal = 0, recvTotal = 0;
};
VLayout vLayout(size_t count, int rank, int n, bool symmetric) {
  VLayout l;
  for (int j = 0; j < n; ++j) {
    l.sendCounts.push_back(vCount(count, rank, j, symmetric));
    l.recvCounts.push_back(vCount(count, j, rank, symmetric));
    l.sendDispls.push_back(l.sendTotal);
    l.recvDispls.push_back(l.recvTotal);
    l.sendTotal += l.sendCounts.back() + 1;
    l.recvTotal += l.recvCounts.back() + 1;
  }
  return l;
}

constexpr fcclDataType_t kTypes[] = {fcclInt8,   fcclUint8,   fcclInt32,    fcclUint32,     fcclInt64,     fcclUint64,
                                     fcclFloat16, fcclFloat32, fcclFloat64, fcclBfloat16, fcclFloat8e4m3, fcclFloat8e5m2};
constexpr fcclRedOp_t kOps[] = {fcclSum, fcclProd, fcclMax, fcclMin, fcclAvg};
constexpr size_t kGuardBytes = 64;
constexpr std::byte kPoison{0xA5};

struct Case {
  Coll coll;
  fcclDataType_t type;
  fcclRedOp_t op;
  size_t count;   // the API's count
  bool inPlace;
  size_t misalign;  // bytes added to every buffer address
  int rootChoice = -1;  // -1: varies with the size
  std::string name(int n) const {
    return std::string(collName(coll)) + " type " + std::to_string(type) + " op " + std::to_string(op) + " count " +
           std::to_string(count) + (inPlace ? " in-place" : " out-of-place") + " misalign " + std::to_string(misalign) +
           " n=" + std::to_string(n) + " root " + std::to_string(root(n));
  }
  int root(int n) const { return rootChoice >= 0 ? rootChoice % n : static_cast<int>(count % static_cast<size_t>(n)); }
};

// inputValue and reducedValue repeat with a period that divides lcm(3, 4, 5, 17, n) (they are
// built from i mod 3, 4, 5, 17 and n): tabulated once per (type, op), they make filling and
// checking 64 MiB buffers a lookup per element instead of n calls. The table checks its own
// period, so a change to reference.cc cannot silently break it.
struct ValueTable {
  size_t period = 0;
  std::vector<double> input;    // [rank * period + i % period]
  std::vector<std::byte> encodedInput;
  std::vector<double> reduced;  // [i % period]
  double in(int rank, size_t i) const { return input[static_cast<size_t>(rank) * period + i % period]; }
};

const ValueTable& valueTable(fcclDataType_t type, fcclRedOp_t op, int n) {
  static std::map<std::tuple<int, int, int>, ValueTable> tables;
  ValueTable& t = tables[{type, op, n}];
  if (t.period != 0) return t;
  t.period = std::lcm(size_t{1020}, static_cast<size_t>(n));
  const size_t es = elementBytes(type);
  t.encodedInput.resize(static_cast<size_t>(n) * t.period * es);
  for (int r = 0; r < n; ++r)
    for (size_t i = 0; i < t.period; ++i) {
      const double v = inputValue(type, op, r, i, n);
      if (v != inputValue(type, op, r, i + 7 * t.period, n)) throw std::logic_error("inputValue is not periodic");
      t.input.push_back(v);
      encode(type, v, t.encodedInput.data() + (static_cast<size_t>(r) * t.period + i) * es);
    }
  for (size_t i = 0; i < t.period; ++i) t.reduced.push_back(reducedValue(type, op, i, n));
  return t;
}

// Fills `count` elements with this rank's inputs, a period's bytes at a time.
void fillInput(const ValueTable& t, int rank, size_t es, std::byte* dst, size_t count) {
  const std::byte* pattern = t.encodedInput.data() + static_cast<size_t>(rank) * t.period * es;
  for (size_t i = 0; i < count; i += t.period) std::memcpy(dst + i * es, pattern, std::min(t.period, count - i) * es);
}

// Outputs of more than 2M elements are checked at their ends and at a prime stride between:
// any wrong chunk (128K elements and up) still shows, at a fraction of the time.
bool checked(size_t i, size_t total) {
  constexpr size_t kFull = size_t{2} << 20, kEnds = 65536;
  return total <= kFull || i < kEnds || i + kEnds >= total || i % 31 == 0;
}

// A buffer of the test, filled with `fill`: host memory, or memory from fcclMemAlloc, which
// peers can map (the multicast algorithms then run zero copy).
class TestBuffer {
 public:
  TestBuffer(size_t bytes, bool deviceMemory, std::byte fill) {
    if (deviceMemory) {
      if (fcclMemAlloc(&device_, bytes) != fcclSuccess) throw std::runtime_error("fcclMemAlloc failed");
      data_ = static_cast<std::byte*>(device_);
    } else {
      host_.resize(bytes);
      data_ = host_.data();
    }
    std::memset(data_, static_cast<int>(fill), bytes);
  }
  TestBuffer(const TestBuffer&) = delete;
  TestBuffer& operator=(const TestBuffer&) = delete;
  ~TestBuffer() {
    if (device_) fcclMemFree(device_);
  }
  std::byte* data() { return data_; }

 private:
  std::vector<std::byte> host_;
  void* device_ = nullptr;
  std::byte* data_ = nullptr;
};

// Runs one case on this rank and checks its output; "" when right.
std::string runCase(fcclComm_t comm, const Case& c, int rank, int n, bool deviceMemory = false) {
  const size_t es = elementBytes(c.type), un = static_cast<size_t>(n);
  const VLayout v = vLayout(c.count, rank, n, c.inPlace);
  size_t inCount = c.coll == Coll::kReduceScatter || c.coll == Coll::kAllToAll ? c.count * un : c.count;
  size_t outCount = c.coll == Coll::kAllGather || c.coll == Coll::kAllToAll ? c.count * un : c.count;
  if (c.coll == Coll::kAllToAllv) inCount = v.sendTotal, outCount = v.recvTotal;
  const fcclRedOp_t genOp = hasOp(c.coll) ? c.op : fcclSum;
  const int root = c.root(n);
  // One allocation holds both buffers (out of place) or the larger one (in place), misaligned.
  TestBuffer inStore(inCount * es + c.misalign + kGuardBytes, deviceMemory, std::byte{0}),
      outStore(outCount * es + c.misalign + kGuardBytes, deviceMemory, kPoison);
  std::byte* out = outStore.data() + c.misalign;
  std::byte* in = inStore.data() + c.misalign;
  if (c.inPlace) {
    if (c.coll == Coll::kAllGather) in = out + static_cast<size_t>(rank) * c.count * es;
    else if (c.coll == Coll::kReduceScatter) out = in + static_cast<size_t>(rank) * c.count * es;
    else in = out;
  }
  const ValueTable& values = valueTable(c.type, genOp, n);
  fillInput(values, rank, es, in, inCount);
  fcclResult_t r = fcclSuccess;
  switch (c.coll) {
    case Coll::kAllReduce: r = fcclAllReduce(in, out, c.count, c.type, c.op, comm, nullptr); break;
    case Coll::kAllGather: r = fcclAllGather(in, out, c.count, c.type, comm, nullptr); break;
    case Coll::kReduceScatter: r = fcclReduceScatter(in, out, c.count, c.type, c.op, comm, nullptr); break;
    case Coll::kBroadcast: r = fcclBroadcast(in, out, c.count, c.type, root, comm, nullptr); break;
    case Coll::kReduce: r = fcclReduce(in, out, c.count, c.type, c.op, root, comm, nullptr); break;
    case Coll::kAllToAll: r = fcclAllToAll(in, out, c.count, c.type, comm, nullptr); break;
    case Coll::kAllToAllv:
      r = fcclAllToAllv(in, v.sendCounts.data(), v.sendDispls.data(), out, v.recvCounts.data(), v.recvDispls.data(),
                        c.type, comm, nullptr);
      break;
  }
  if (c.coll == Coll::kReduce && rank != root) {  // only the root's recvbuff is written
    if (!c.inPlace)
      for (size_t i = 0; i < outCount * es; ++i)
        if (out[i] != kPoison) return c.name(n) + ": a non-root rank's recvbuff was written";
    return r == fcclSuccess ? "" : c.name(n) + ": " + failure(collName(c.coll), r);
  }
  if (r != fcclSuccess) return c.name(n) + ": " + failure(collName(c.coll), r);
  size_t block = 0;  // all-to-allv: the sender of element i, and where its block starts
  std::vector<size_t> senderDispl(un);  // all-to-allv: where each sender's block for this rank starts
  if (c.coll == Coll::kAllToAllv)
    for (int j = 0; j < n; ++j) senderDispl[static_cast<size_t>(j)] = vLayout(c.count, j, n, c.inPlace).sendDispls[static_cast<size_t>(rank)];
  for (size_t i = 0; i < outCount; ++i) {
    if (!checked(i, outCount)) continue;
    double expected;
    if (c.coll == Coll::kAllToAllv) {
      while (block + 1 < un && i >= v.recvDispls[block + 1]) ++block;
      const size_t k = i - v.recvDispls[block];
      if (k == v.recvCounts[block]) {  // the gap after a block
        if (!c.inPlace && out[i * es] != kPoison) return c.name(n) + ": the gap at element " + std::to_string(i) + " was written";
        continue;
      }
      const int from = static_cast<int>(block);
      expected = values.in(from, senderDispl[block] + k);
    } else if (c.coll == Coll::kAllToAll)
      expected = values.in(static_cast<int>(i / c.count), static_cast<size_t>(rank) * c.count + i % c.count);
    else if (c.coll == Coll::kAllGather) expected = values.in(static_cast<int>(i / c.count), i % c.count);
    else if (c.coll == Coll::kReduceScatter) expected = values.reduced[(static_cast<size_t>(rank) * c.count + i) % values.period];
    else if (c.coll == Coll::kBroadcast) expected = values.in(root, i);
    else expected = values.reduced[i % values.period];
    const double got = decode(c.type, out + i * es);
    if (!matches(c.type, c.op, got, expected))
      return c.name(n) + ": element " + std::to_string(i) + " is " + std::to_string(got) + ", expected " +
             std::to_string(expected);
  }
  if (!(c.inPlace && c.coll == Coll::kReduceScatter)) {  // there recvbuff lies inside sendbuff
    const std::byte* guard = outStore.data() + c.misalign + outCount * es;
    for (size_t g = 0; g < kGuardBytes; ++g)
      if (guard[g] != kPoison) return c.name(n) + ": wrote past the end of recvbuff";
  }
  return "";
}

// `colls` x every dtype x every op x sizes {0, 1, 7, 4099, 1 MiB + 3 bytes' worth} x in place or
// not, plus every root for rooted collectives and one 64 MiB run each.
std::vector<Case> matrix(std::initializer_list<Coll> colls, int n) {
  std::vector<Case> cases;
  for (Coll coll : colls)
    for (fcclDataType_t t : kTypes)
      for (fcclRedOp_t op : kOps) {
        if (!hasOp(coll) && op != fcclSum) continue;  // the op is not an argument of these
        const size_t mib = ((1u << 20) + 3) / elementBytes(t);
        for (size_t count : {size_t{0}, size_t{1}, size_t{7}, size_t{4099}, mib})
          for (bool inPlace : {false, true}) cases.push_back({coll, t, op, count, inPlace, inPlace ? 0u : 1u});
      }
  for (Coll coll : colls)
    if (rooted(coll))
      for (int root = 0; root < n; ++root) cases.push_back({coll, fcclInt32, fcclMax, 4099, root % 2 == 0, 0, root});
  for (Coll coll : colls)
    for (bool inPlace : {false, true}) cases.push_back({coll, fcclFloat32, fcclSum, (64u << 20) / 4, inPlace, 0});
  return cases;
}

// Every collective through the scale-out transport only (FCCL_TRANSPORT=scaleout), on the
// dtypes whose code paths differ (integer, float, bf16, fp8) and without the 64 MiB runs: the
// loopback network is the slow part, the data paths are the same as above.
std::vector<Case> scaleOutMatrix(int n) {
  std::vector<Case> cases;
  for (const Case& c : matrix({Coll::kAllReduce, Coll::kAllGather, Coll::kReduceScatter, Coll::kBroadcast, Coll::kReduce,
                               Coll::kAllToAll, Coll::kAllToAllv}, n)) {
    const bool kept = c.type == fcclInt32 || c.type == fcclFloat32 || c.type == fcclBfloat16 || c.type == fcclFloat8e4m3;
    if (kept && c.count < (64u << 20) / 4) cases.push_back(c);
  }
  return cases;
}

// With FCCL_ALGO=tree (or doubling) the communicator runs all-reduce on the double binary tree
// (or by recursive doubling, which it otherwise picks for small messages only); with
// FCCL_TRANSPORT=scaleout every hop goes through the libfabric net.
// `perDomain` > 0 puts ranks [k * perDomain, (k+1) * perDomain) in scale-up domain k
// (FCCL_SCALEUP_DOMAIN): hops between domains then take the scale-out net. `proto` forces the
// protocol (FCCL_PROTO); otherwise the tuner picks LL or Simple per size. `deviceMemory` takes
// every buffer from fcclMemAlloc.
void runMatrix(int n, const char* algo = nullptr, const char* transport = nullptr, int perDomain = 0,
               const char* proto = nullptr, bool deviceMemory = false) {
  const fcclUniqueId id = newUniqueId();
  auto outcomes = runRanks(n, [&](int rank) -> std::string {
    if (algo) setenv("FCCL_ALGO", algo, 1);
    if (perDomain > 0) setenv("FCCL_SCALEUP_DOMAIN", ("domain" + std::to_string(rank / perDomain)).c_str(), 1);
    if (transport) setenv("FCCL_TRANSPORT", transport, 1);
    if (proto) setenv("FCCL_PROTO", proto, 1);
    fcclComm_t comm = nullptr;
    FCCL_TEST_CALL(fcclCommInitRank(&comm, n, id, rank));
    const std::string algoName = algo ? algo : "";
    const bool hier = algoName == "hier";                             // all but broadcast and reduce have one
    const bool nvls = algoName.find("nvls") != std::string::npos;  // all-reduce, all-gather, reduce-scatter
    const bool exchange = algoName == "direct";                      // all-to-all(v) only
    const auto cases = hier        ? matrix({Coll::kAllReduce, Coll::kAllGather, Coll::kReduceScatter, Coll::kAllToAll,
                                             Coll::kAllToAllv}, n)
                       : nvls      ? matrix({Coll::kAllReduce, Coll::kAllGather, Coll::kReduceScatter}, n)
                       : exchange  ? matrix({Coll::kAllToAll, Coll::kAllToAllv}, n)
                       : algo      ? matrix({Coll::kAllReduce}, n)
                       : transport ? scaleOutMatrix(n)
                                   : matrix({Coll::kAllReduce, Coll::kAllGather, Coll::kReduceScatter, Coll::kBroadcast,
                                             Coll::kReduce, Coll::kAllToAll, Coll::kAllToAllv}, n);
    for (const Case& c : cases) {
      // A big all-gather/reduce-scatter moves n times the count: keep its total at 64 MiB.
      Case scaled = c;
      const bool perRank = c.coll != Coll::kAllReduce && c.coll != Coll::kBroadcast && c.coll != Coll::kReduce;
      if (c.count >= (64u << 20) / 4 && perRank) scaled.count = c.count / static_cast<size_t>(n);
      std::string error = runCase(comm, scaled, rank, n, deviceMemory);
      if (!error.empty()) {
        fcclCommAbort(comm);
        return error;
      }
    }
    FCCL_TEST_CALL(fcclCommDestroy(comm));
    return "";
  }, std::chrono::seconds(500));
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

}  // namespace

TEST_CASE("collectives are correct on 1 rank", "[integration][collectives]") { runMatrix(1); }
TEST_CASE("collectives are correct on 2 ranks", "[integration][collectives]") { runMatrix(2); }
TEST_CASE("collectives are correct on 3 ranks", "[integration][collectives]") { runMatrix(3); }
TEST_CASE("collectives are correct on 4 ranks", "[integration][collectives]") { runMatrix(4); }
TEST_CASE("collectives are correct on 5 ranks", "[integration][collectives]") { runMatrix(5); }
TEST_CASE("collectives are correct on 7 ranks", "[integration][collectives]") { runMatrix(7); }
TEST_CASE("collectives are correct on 8 ranks", "[integration][collectives]") { runMatrix(8); }
TEST_CASE("collectives are correct through the scale-out transport", "[integration][collectives]") {
  for (int n : {2, 3, 4}) runMatrix(n, nullptr, "scaleout");
}
TEST_CASE("tree all-reduce is correct on 1 to 8 ranks", "[integration][collectives]") {
  for (int n : {1, 2, 3, 4, 5, 7, 8}) runMatrix(n, "tree");
}
TEST_CASE("hierarchical all-reduce, all-gather, reduce-scatter, all-to-all and all-to-allv are correct on 2x2 and 3x2 and 2x4 scale-up domains", "[integration][collectives]") {
  runMatrix(4, "hier", nullptr, 2);
  runMatrix(6, "hier", nullptr, 2);
  runMatrix(8, "hier", nullptr, 4);
}
TEST_CASE("tree all-reduce over 2x3 and 3x2 scale-up domains is correct", "[integration][collectives]") {
  runMatrix(6, "tree", nullptr, 3);
  runMatrix(6, "tree", nullptr, 2);
}
TEST_CASE("collectives are correct with the LL protocol at every size", "[integration][collectives][ll]") {
  for (int n : {2, 3, 5}) runMatrix(n, nullptr, nullptr, 0, "LL");
}
TEST_CASE("tree, doubling and hierarchical all-reduce are correct with the LL protocol", "[integration][collectives][ll]") {
  runMatrix(4, "tree", nullptr, 0, "LL");
  runMatrix(5, "doubling", nullptr, 0, "LL");
  runMatrix(4, "hier", nullptr, 2, "LL");  // LL inside each domain, the net's Simple between them
}
TEST_CASE("NVLS all-reduce, all-gather and reduce-scatter are correct staged through the multicast window",
          "[integration][collectives][nvls]") {
  for (int n : {1, 3, 8}) runMatrix(n, "nvls,nvls_oneshot");
}
TEST_CASE("NVLS all-reduce, all-gather and reduce-scatter are correct zero copy on fcclMemAlloc buffers",
          "[integration][collectives][nvls]") {
  for (int n : {2, 5}) runMatrix(n, "nvls,nvls_oneshot", nullptr, 0, nullptr, true);
}
TEST_CASE("direct all-to-all is correct zero copy into fcclMemAlloc outputs", "[integration][collectives][nvls]") {
  // From 64 KiB out of place the ranks write straight into each other's outputs; in place and
  // all-to-allv keep the FIFOs.
  for (int n : {2, 5}) runMatrix(n, "direct", nullptr, 0, nullptr, true);
}
TEST_CASE("the default algorithms are correct on fcclMemAlloc buffers", "[integration][collectives]") {
  runMatrix(3, nullptr, nullptr, 0, nullptr, true);
}
TEST_CASE("doubling all-reduce is correct on 1 to 8 ranks at every size", "[integration][collectives]") {
  for (int n : {1, 2, 3, 4, 5, 6, 7, 8}) runMatrix(n, "doubling");
}

}  // namespace fccl::test
