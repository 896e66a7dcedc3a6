// FCCL_CHECK=1: ranks compare their calls before moving a byte, so a mismatch (count, dtype, op,
// root, collective, or point-to-point sizes) is fcclInvalidUsage on every rank, naming the rank
// that differs, and the communicator stays usable. Matching calls of every kind pass. A check
// setting that differs between ranks fails init on all of them.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "harness/comm_fixture.h"
#include "harness/run_ranks.h"

namespace fccl::test {
namespace {

constexpr int kRanks = 4;

// Runs fn(comm, rank) on kRanks ranks of a communicator made with FCCL_CHECK=1.
void runChecked(const CommFn& fn) {
  setenv("FCCL_CHECK", "1", 1);  // for the ranks: each reads it when its communicator is made
  runOnComms(kRanks, fn, std::chrono::seconds(60), 15000);
  unsetenv("FCCL_CHECK");
}

// The mismatched call must fail with fcclInvalidUsage and a last error containing every one of
// `words`; then a matching all-reduce must succeed with the right sum.
std::string expectMismatch(fcclResult_t r, fcclComm_t comm, int rank, const std::string& what,
                           std::initializer_list<std::string> words) {
  if (std::string e = expectResult(r, fcclInvalidUsage, what.c_str()); !e.empty()) return e;
  const std::string text = fcclGetLastError(nullptr);
  for (const std::string& w : words)
    if (text.find(w) == std::string::npos) return what + ": the error \"" + text + "\" does not say \"" + w + "\"";
  std::vector<int32_t> x(5000, rank + 1), y(5000, -1);
  FCCL_TEST_CALL(fcclAllReduce(x.data(), y.data(), x.size(), fcclInt32, fcclSum, comm, nullptr));
  for (int32_t v : y)
    if (v != kRanks * (kRanks + 1) / 2) return what + ": the matching call after it gave " + std::to_string(v);
  fcclResult_t state = fcclInternalError;
  FCCL_TEST_CALL(fcclCommGetAsyncError(comm, &state));
  if (state != fcclSuccess) return what + ": the mismatch broke the communicator: " + fcclGetErrorString(state);
  return "";
}

}  // namespace

TEST_CASE("FCCL_CHECK: mismatched collective arguments fail on every rank naming the odd rank",
          "[integration][callcheck]") {
  runChecked([](fcclComm_t comm, int rank) -> std::string {
    const size_t count = 1000;
    std::vector<double> a(count * kRanks, 1.0), b(count * kRanks, 0.0);
    fcclResult_t r;

    r = fcclAllReduce(a.data(), b.data(), rank == 2 ? count + 1 : count, fcclFloat32, fcclSum, comm, nullptr);
    if (auto e = expectMismatch(r, comm, rank, "count differs on rank 2", {"rank 2 called", "1001"}); !e.empty())
      return e;

    r = fcclAllReduce(a.data(), b.data(), count, rank == 1 ? fcclFloat64 : fcclFloat32, fcclSum, comm, nullptr);
    if (auto e = expectMismatch(r, comm, rank, "dtype differs on rank 1", {"rank 1 called"}); !e.empty()) return e;

    r = fcclAllReduce(a.data(), b.data(), count, fcclFloat32, rank == 3 ? fcclMax : fcclSum, comm, nullptr);
    if (auto e = expectMismatch(r, comm, rank, "op differs on rank 3", {"rank 3 called"}); !e.empty()) return e;

    r = fcclReduce(a.data(), b.data(), count, fcclFloat32, fcclMin, rank == 3 ? 1 : 2, comm, nullptr);
    if (auto e = expectMismatch(r, comm, rank, "reduce root differs on rank 3", {"rank 3 called", "root"}); !e.empty())
      return e;

    r = fcclBroadcast(a.data(), b.data(), count, fcclFloat64, rank == 0 ? 1 : 3, comm, nullptr);
    if (auto e = expectMismatch(r, comm, rank, "broadcast root differs on rank 0", {"rank 0 called", "root"});
        !e.empty())
      return e;

    r = rank == 1 ? fcclAllGather(a.data(), b.data(), count, fcclFloat32, comm, nullptr)
                  : fcclAllReduce(a.data(), b.data(), count, fcclFloat32, fcclSum, comm, nullptr);
    if (auto e = expectMismatch(r, comm, rank, "collective differs on rank 1", {"rank 1 called", "allgather"});
        !e.empty())
      return e;

    r = rank == 2 ? fcclReduceScatter(a.data(), b.data(), count, fcclFloat32, fcclSum, comm, nullptr)
                  : fcclAllReduce(a.data(), b.data(), count, fcclFloat32, fcclSum, comm, nullptr);
    if (auto e = expectMismatch(r, comm, rank, "reduce-scatter on rank 2", {"rank 2 called"}); !e.empty()) return e;

    // A group of sends and receives on one rank, a collective on the others.
    if (rank == 3) {
      FCCL_TEST_CALL(fcclGroupStart());
      FCCL_TEST_CALL(fcclSend(a.data(), 10, fcclFloat64, 0, comm, nullptr));
      FCCL_TEST_CALL(fcclRecv(b.data(), 10, fcclFloat64, 2, comm, nullptr));
      r = fcclGroupEnd();
    } else {
      r = fcclAllReduce(a.data(), b.data(), count, fcclFloat32, fcclSum, comm, nullptr);
    }
    if (auto e = expectMismatch(r, comm, rank, "send/recv on rank 3", {"rank 3 called"}); !e.empty()) return e;
    return "";
  });
}

TEST_CASE("FCCL_CHECK: mismatched send and receive sizes fail on every rank naming the pair",
          "[integration][callcheck]") {
  runChecked([](fcclComm_t comm, int rank) -> std::string {
    const int next = (rank + 1) % kRanks, prev = (rank + kRanks - 1) % kRanks;
    std::vector<float> out(100, static_cast<float>(rank)), in(100, -1.0f);
    // Rank 1 sends 10 elements to rank 2, which expects 12.
    FCCL_TEST_CALL(fcclGroupStart());
    FCCL_TEST_CALL(fcclSend(out.data(), 10, fcclFloat32, next, comm, nullptr));
    FCCL_TEST_CALL(fcclRecv(in.data(), rank == 2 ? 12 : 10, fcclFloat32, prev, comm, nullptr));
    fcclResult_t r = fcclGroupEnd();
    if (auto e = expectMismatch(r, comm, rank, "send/recv size", {"rank 1 sends", "to rank 2", "receives"}); !e.empty())
      return e;
    // Rank 3 receives twice from rank 2, which sends once.
    FCCL_TEST_CALL(fcclGroupStart());
    FCCL_TEST_CALL(fcclSend(out.data(), 10, fcclFloat32, next, comm, nullptr));
    FCCL_TEST_CALL(fcclRecv(in.data(), 10, fcclFloat32, prev, comm, nullptr));
    if (rank == 3) FCCL_TEST_CALL(fcclRecv(in.data() + 50, 10, fcclFloat32, prev, comm, nullptr));
    r = fcclGroupEnd();
    if (auto e = expectMismatch(r, comm, rank, "message count", {"rank 2 sends", "to rank 3"}); !e.empty()) return e;
    // All-to-allv: rank 0 sends 5 elements to rank 3, which expects 6 from it.
    std::vector<size_t> sendCounts(kRanks, 5), recvCounts(kRanks, 5), displs(kRanks);
    for (int j = 0; j < kRanks; ++j) displs[static_cast<size_t>(j)] = static_cast<size_t>(j) * 8;
    if (rank == 3) recvCounts[0] = 6;
    r = fcclAllToAllv(out.data(), sendCounts.data(), displs.data(), in.data(), recvCounts.data(), displs.data(),
                      fcclFloat32, comm, nullptr);
    if (auto e = expectMismatch(r, comm, rank, "all-to-allv counts", {"rank 0 sends", "to rank 3"}); !e.empty())
      return e;
    // The matching exchange now goes through.
    FCCL_TEST_CALL(fcclGroupStart());
    FCCL_TEST_CALL(fcclSend(out.data(), 10, fcclFloat32, next, comm, nullptr));
    FCCL_TEST_CALL(fcclRecv(in.data(), 10, fcclFloat32, prev, comm, nullptr));
    FCCL_TEST_CALL(fcclGroupEnd());
    for (int i = 0; i < 10; ++i)
      if (in[static_cast<size_t>(i)] != static_cast<float>(prev)) return "the matching exchange delivered wrong data";
    return "";
  });
}

TEST_CASE("FCCL_CHECK: matching calls of every kind pass the check", "[integration][callcheck]") {
  runChecked([](fcclComm_t comm, int rank) -> std::string {
    const size_t count = 70000;  // several chunks of every kind
    const size_t un = kRanks;
    std::vector<int32_t> in(count * un), out(count * un, -1);
    for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<int32_t>(i % 1000) + rank;
    FCCL_TEST_CALL(fcclAllReduce(in.data(), out.data(), count, fcclInt32, fcclMax, comm, nullptr));
    if (out[5] != 5 + kRanks - 1) return "allreduce gave " + std::to_string(out[5]);
    FCCL_TEST_CALL(fcclAllGather(in.data(), out.data(), count, fcclInt32, comm, nullptr));
    if (out[count * 2] != 2) return "allgather gave " + std::to_string(out[count * 2]);
    FCCL_TEST_CALL(fcclReduceScatter(in.data(), out.data(), count, fcclInt32, fcclMin, comm, nullptr));
    FCCL_TEST_CALL(fcclBroadcast(in.data(), out.data(), count, fcclInt32, 2, comm, nullptr));
    if (out[1] != 3) return "broadcast gave " + std::to_string(out[1]);
    FCCL_TEST_CALL(fcclReduce(in.data(), out.data(), count, fcclInt32, fcclSum, 1, comm, nullptr));
    FCCL_TEST_CALL(fcclAllToAll(in.data(), out.data(), count, fcclInt32, comm, nullptr));
    // All-to-allv with a different size for every pair, some of them 0.
    std::vector<size_t> sc(un), sd(un), rc(un), rd(un);
    auto pairCount = [](int from, int to) { return static_cast<size_t>((from * 3 + to * 5) % 4) * 9000; };
    for (size_t j = 0; j < un; ++j) {
      sc[j] = pairCount(rank, static_cast<int>(j));
      rc[j] = pairCount(static_cast<int>(j), rank);
      sd[j] = j * count;
      rd[j] = (un - 1 - j) * count;
    }
    FCCL_TEST_CALL(
        fcclAllToAllv(in.data(), sc.data(), sd.data(), out.data(), rc.data(), rd.data(), fcclInt32, comm, nullptr));
    // Sends and receives of several sizes to every rank, itself included, and some of size 0.
    FCCL_TEST_CALL(fcclGroupStart());
    for (int peer = 0; peer < kRanks; ++peer) {
      const size_t ps = static_cast<size_t>(peer);
      FCCL_TEST_CALL(fcclSend(in.data() + ps * count, pairCount(rank, peer), fcclInt32, peer, comm, nullptr));
      FCCL_TEST_CALL(fcclSend(in.data() + ps * count, 7, fcclInt32, peer, comm, nullptr));
      FCCL_TEST_CALL(fcclRecv(out.data() + ps * count, pairCount(peer, rank), fcclInt32, peer, comm, nullptr));
      FCCL_TEST_CALL(fcclRecv(out.data() + ps * count + 60000, 7, fcclInt32, peer, comm, nullptr));
    }
    FCCL_TEST_CALL(fcclGroupEnd());
    for (int peer = 0; peer < kRanks; ++peer)
      if (out[static_cast<size_t>(peer) * count + 60000 + 6] !=
          static_cast<int32_t>((static_cast<size_t>(rank) * count + 6) % 1000) + peer)
        return "the second message from rank " + std::to_string(peer) + " is wrong";
    return "";
  });
}

TEST_CASE("FCCL_CHECK set on only some ranks fails init on every rank", "[integration][callcheck]") {
  const int n = 3;
  const fcclUniqueId id = newUniqueId();
  auto outcomes = runRanks(
      n,
      [&](int rank) -> std::string {
        if (rank == 1)
          setenv("FCCL_CHECK", "1", 1);
        else
          unsetenv("FCCL_CHECK");
        fcclConfig_t config = FCCL_CONFIG_INITIALIZER;
        config.timeoutMs = 15000;
        fcclComm_t comm = nullptr;
        const auto start = std::chrono::steady_clock::now();
        const fcclResult_t r = fcclCommInitRankConfig(&comm, n, id, rank, &config);
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const std::string text = fcclGetLastError(nullptr);
        if (r == fcclSuccess) {
          fcclCommAbort(comm);
          return "init succeeded with FCCL_CHECK set only on rank 1";
        }
        if (r == fcclTimeout || s > 10)
          return "init with FCCL_CHECK on one rank waited " + std::to_string(s) + " s: " + text;
        if (text.find("FCCL_CHECK") == std::string::npos) return "the init error does not name FCCL_CHECK: " + text;
        if (comm != nullptr) return "a failed init left a communicator behind";
        return "";
      },
      std::chrono::seconds(40));
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

}  // namespace fccl::test
