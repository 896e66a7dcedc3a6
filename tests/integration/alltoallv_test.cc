// All-to-allv edge cases on real processes, over one scale-up domain (direct) and over several
// (hierarchical: blocks between domains aggregated on the rails, by default or forced): zero
// counts, one pair carrying almost everything, empty ranks, displacements out of order and
// unaligned, gaps nobody may write; then FCCL_ALGO's errors for the exchanges.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "harness/comm_fixture.h"
#include "harness/reference.h"
#include "harness/run_ranks.h"

namespace fccl::test {
namespace {

constexpr std::byte kPoison{0x5A};

enum class Pattern { kSparse, kHugeSkew, kEmptyRanks, kUnaligned };

const char* patternName(Pattern p) {
  switch (p) {
    case Pattern::kSparse: return "sparse (most pairs zero)";
    case Pattern::kHugeSkew: return "huge skew (one pair carries almost everything)";
    case Pattern::kEmptyRanks: return "empty ranks (rank 0 sends nothing, rank n-1 receives nothing)";
    case Pattern::kUnaligned: return "unaligned displacements (odd offsets, blocks in reverse order)";
  }
  return "?";
}

// What `from` sends `to`, in elements.
size_t blockCount(Pattern p, int from, int to, int n) {
  switch (p) {
    case Pattern::kSparse: return (from * 3 + to) % 4 == 0 ? 1000 + static_cast<size_t>(from + to) : 0;
    case Pattern::kHugeSkew: return from == 1 && to == n - 1 ? (size_t{3} << 20) + 7 : static_cast<size_t>((from + to) % 3);
    case Pattern::kEmptyRanks: return from == 0 || to == n - 1 ? 0 : 70000 + static_cast<size_t>(from * 100 + to);
    case Pattern::kUnaligned: return 5000 + static_cast<size_t>(from * 13 + to * 7);
  }
  return 0;
}

struct Side {
  std::vector<size_t> counts, displs;
  size_t total = 0;  // elements the buffer spans
};

// Blocks in rank order, or (unaligned) reverse rank order with an odd gap before each.
Side sideOf(Pattern p, int rank, int n, bool sending) {
  Side s;
  s.counts.resize(static_cast<size_t>(n));
  s.displs.resize(static_cast<size_t>(n));
  const bool reverse = p == Pattern::kUnaligned;
  for (int k = 0; k < n; ++k) {
    const int peer = reverse ? n - 1 - k : k;
    const size_t count = sending ? blockCount(p, rank, peer, n) : blockCount(p, peer, rank, n);
    s.total += reverse ? 1 + static_cast<size_t>(k % 3) : 0;
    s.counts[static_cast<size_t>(peer)] = count;
    s.displs[static_cast<size_t>(peer)] = s.total;
    s.total += count;
  }
  return s;
}

// Element e of the block from `from` to `to`: exact in every type used here, and different for
// every pair of ranks of a job of up to 8 (and for neighbouring elements).
double valueOf(fcclDataType_t type, int from, int to, size_t e, int n) {
  const size_t pairs = static_cast<size_t>(n * n), pair = static_cast<size_t>(from * n + to);
  const size_t spread = type == fcclFloat32 ? 4096 : type == fcclBfloat16 ? 3 : 1;
  return static_cast<double>(pair + pairs * (e % spread));
}

std::string runPattern(fcclComm_t comm, Pattern p, fcclDataType_t type, int rank, int n, size_t misalign) {
  const Side send = sideOf(p, rank, n, true), recv = sideOf(p, rank, n, false);
  const size_t es = elementBytes(type), guard = 64;
  std::vector<std::byte> in(send.total * es + misalign + guard), outStore(recv.total * es + misalign + guard, kPoison);
  std::byte* input = in.data() + misalign;
  std::byte* output = outStore.data() + misalign;
  for (int to = 0; to < n; ++to)
    for (size_t e = 0; e < send.counts[static_cast<size_t>(to)]; ++e)
      encode(type, valueOf(type, rank, to, e, n), input + (send.displs[static_cast<size_t>(to)] + e) * es);
  FCCL_TEST_CALL(fcclAllToAllv(input, send.counts.data(), send.displs.data(), output, recv.counts.data(),
                               recv.displs.data(), type, comm, nullptr));
  std::vector<bool> covered(recv.total, false);
  for (int from = 0; from < n; ++from)
    for (size_t e = 0; e < recv.counts[static_cast<size_t>(from)]; ++e) {
      const size_t at = recv.displs[static_cast<size_t>(from)] + e;
      covered[at] = true;
      const double got = decode(type, output + at * es), want = valueOf(type, from, rank, e, n);
      if (got != want)
        return std::string(patternName(p)) + ": element " + std::to_string(e) + " from rank " + std::to_string(from) +
               " is " + std::to_string(got) + ", expected " + std::to_string(want);
    }
  for (size_t at = 0; at < recv.total; ++at)
    if (!covered[at])
      for (size_t b = 0; b < es; ++b)
        if (output[at * es + b] != kPoison) return std::string(patternName(p)) + ": the gap at " + std::to_string(at) + " was written";
  for (size_t b = 0; b < guard; ++b)
    if (output[recv.total * es + b] != kPoison) return std::string(patternName(p)) + ": wrote past the end of recvbuff";
  return "";
}

// Every pattern and type on n ranks; `perDomain` > 0 puts ranks [k*perDomain, (k+1)*perDomain)
// in scale-up domain k, `algo` sets FCCL_ALGO.
void runPatterns(int n, int perDomain, const char* algo) {
  const fcclUniqueId id = newUniqueId();
  auto outcomes = runRanks(n, [&](int rank) -> std::string {
    if (perDomain > 0) setenv("FCCL_SCALEUP_DOMAIN", ("domain" + std::to_string(rank / perDomain)).c_str(), 1);
    if (algo) setenv("FCCL_ALGO", algo, 1);
    std::string error;
    fcclComm_t comm = initComm(id, n, rank, 60000, &error);
    if (!comm) return error;
    for (Pattern p : {Pattern::kSparse, Pattern::kHugeSkew, Pattern::kEmptyRanks, Pattern::kUnaligned})
      for (fcclDataType_t type : {fcclFloat32, fcclBfloat16, fcclInt8})
        for (size_t misalign : {size_t{0}, size_t{3}}) {
          error = runPattern(comm, p, type, rank, n, misalign);
          if (!error.empty()) {
            fcclCommAbort(comm);
            return "type " + std::to_string(type) + " misalign " + std::to_string(misalign) + ": " + error;
          }
        }
    FCCL_TEST_CALL(fcclCommDestroy(comm));
    return "";
  }, std::chrono::seconds(400));
  INFO(n << " ranks, " << perDomain << " per domain, FCCL_ALGO=" << (algo ? algo : "") << "\n" << describe(outcomes));
  CHECK(allOk(outcomes));
}

}  // namespace

TEST_CASE("all-to-allv with zero counts, huge skew, empty ranks and unaligned displacements is correct on one domain",
          "[integration][alltoall]") {
  runPatterns(1, 0, nullptr);
  runPatterns(4, 0, nullptr);
  runPatterns(5, 0, nullptr);
}

TEST_CASE("all-to-allv edge cases are correct over 2x2 and 3x2 and 2x3 scale-up domains, rails by size",
          "[integration][alltoall]") {
  runPatterns(4, 2, nullptr);
  runPatterns(6, 2, nullptr);
  runPatterns(6, 3, nullptr);
}

TEST_CASE("all-to-allv edge cases are correct over 2x2 and 2x4 scale-up domains with every block on the rails",
          "[integration][alltoall]") {
  runPatterns(4, 2, "hier");
  runPatterns(8, 4, "hier");
}

// Forks n ranks with FCCL_ALGO=algo, ranks [0, firstDomain) in one scale-up domain and the rest
// in another, and runs fn on each rank's communicator.
void withAlgo(int n, int firstDomain, const char* algo, const std::function<std::string(fcclComm_t, int)>& fn) {
  const fcclUniqueId id = newUniqueId();
  auto outcomes = runRanks(n, [&](int rank) -> std::string {
    setenv("FCCL_SCALEUP_DOMAIN", rank < firstDomain ? "first" : "second", 1);
    setenv("FCCL_ALGO", algo, 1);
    std::string error;
    fcclComm_t comm = initComm(id, n, rank, 20000, &error);
    if (!comm) return error;
    error = fn(comm, rank);
    if (!error.empty()) {
      fcclCommAbort(comm);
      return error;
    }
    FCCL_TEST_CALL(fcclCommDestroy(comm));
    return "";
  }, std::chrono::seconds(120));
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

TEST_CASE("FCCL_ALGO=hier on scale-up domains of different sizes fails all-to-all clearly, the communicator goes on",
          "[integration][alltoall]") {
  withAlgo(3, 2, "hier", [](fcclComm_t comm, int rank) -> std::string {
    std::vector<float> in(3 * 5, 1.0f), out(3 * 5);
    FCCL_TEST_EXPECT(fcclAllToAll(in.data(), out.data(), 5, fcclFloat32, comm, nullptr), fcclInvalidUsage);
    const std::string why = fcclGetLastError(comm);
    if (why.find("FCCL_ALGO=hier") == std::string::npos || why.find("scale-up domains of one size") == std::string::npos)
      return "the error does not say why: " + why;
    // Broadcast has no hierarchical algorithm: it runs its default, on the same communicator.
    std::vector<float> data(16, static_cast<float>(rank == 1 ? 7 : 0));
    FCCL_TEST_CALL(fcclBroadcast(data.data(), data.data(), data.size(), fcclFloat32, 1, comm, nullptr));
    for (float v : data)
      if (v != 7) return "broadcast after the refused all-to-all gave " + std::to_string(v);
    return "";
  });
}

TEST_CASE("FCCL_ALGO naming no algorithm fails all-to-all(v) clearly, and FCCL_ALGO=direct leaves all-reduce alone",
          "[integration][alltoall]") {
  withAlgo(2, 1, "sideways", [](fcclComm_t comm, int) -> std::string {
    std::vector<int32_t> in(2 * 3, 1), out(2 * 3);
    FCCL_TEST_EXPECT(fcclAllToAll(in.data(), out.data(), 3, fcclInt32, comm, nullptr), fcclInvalidArgument);
    const std::string why = fcclGetLastError(comm);
    if (why.find("FCCL_ALGO names 'sideways', which is not an algorithm for alltoall") == std::string::npos)
      return "the error does not say why: " + why;
    return "";
  });
  withAlgo(4, 2, "direct", [](fcclComm_t comm, int rank) -> std::string {
    std::vector<float> data(1000, static_cast<float>(rank + 1));
    FCCL_TEST_CALL(fcclAllReduce(data.data(), data.data(), data.size(), fcclFloat32, fcclSum, comm, nullptr));
    if (data[999] != 10) return "all-reduce under FCCL_ALGO=direct gave " + std::to_string(data[999]);
    std::vector<float> in(4 * 100, static_cast<float>(rank)), out(4 * 100);
    FCCL_TEST_CALL(fcclAllToAll(in.data(), out.data(), 100, fcclFloat32, comm, nullptr));
    for (int from = 0; from < 4; ++from)
      if (out[static_cast<size_t>(from) * 100 + 99] != static_cast<float>(from)) return "all-to-all under FCCL_ALGO=direct is wrong";
    return "";
  });
}

}  // namespace fccl::test
