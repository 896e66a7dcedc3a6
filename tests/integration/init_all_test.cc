// fcclCommInitAll: one process drives several ranks; calls on them from one thread go in a group
// or on streams. And non-blocking init across processes, polled until ready.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "harness/comm_fixture.h"
#include "harness/run_ranks.h"

namespace fccl::test {
namespace {

void destroyAll(std::vector<fcclComm_t>& comms) {
  for (fcclComm_t& c : comms) {
    fcclCommAbort(c);
    c = nullptr;
  }
}

// Element i of rank r's input: the sum over ndev ranks is checked by sumOf.
float inputOf(int rank, size_t i) { return static_cast<float>((static_cast<size_t>(rank) * 3 + i) % 17); }
float sumOf(int ndev, size_t i) {
  float s = 0;
  for (int r = 0; r < ndev; ++r) s += inputOf(r, i);
  return s;
}

// Inits ndev ranks with `devlist`, checks rank, count and device of each, then all-reduces on
// all of them from this one thread, first in a group, then each on its own stream.
std::string initAllAndReduce(int ndev, const std::vector<int>& devlist) {
  std::vector<fcclComm_t> comms(static_cast<size_t>(ndev), nullptr);
  FCCL_TEST_CALL(fcclCommInitAll(comms.data(), ndev, devlist.empty() ? nullptr : devlist.data()));
  const std::string what = devlist.empty() ? "devlist NULL" : "devlist given";
  for (int i = 0; i < ndev; ++i) {
    int rank = -1, count = -1, device = -1;
    fcclComm_t c = comms[static_cast<size_t>(i)];
    if (!c) return what + ": comms[" + std::to_string(i) + "] is NULL";
    FCCL_TEST_CALL(fcclCommUserRank(c, &rank));
    FCCL_TEST_CALL(fcclCommCount(c, &count));
    FCCL_TEST_CALL(fcclCommDevice(c, &device));
    const int wantDevice = devlist.empty() ? i : devlist[static_cast<size_t>(i)];
    if (rank != i || count != ndev || device != wantDevice) {
      destroyAll(comms);
      return what + ": comms[" + std::to_string(i) + "] is rank " + std::to_string(rank) + " of " +
             std::to_string(count) + " on device " + std::to_string(device) + ", expected rank " + std::to_string(i) +
             " of " + std::to_string(ndev) + " on device " + std::to_string(wantDevice);
    }
  }
  const size_t count = 300000;  // past one chunk: the ranks must run at once, not in turn
  std::vector<std::vector<float>> in(static_cast<size_t>(ndev)), out(static_cast<size_t>(ndev));
  auto reset = [&] {
    for (int r = 0; r < ndev; ++r) {
      in[static_cast<size_t>(r)].resize(count);
      for (size_t i = 0; i < count; ++i) in[static_cast<size_t>(r)][i] = inputOf(r, i);
      out[static_cast<size_t>(r)].assign(count, -1.0f);
    }
  };
  auto check = [&](const char* how) -> std::string {
    for (int r = 0; r < ndev; ++r)
      for (size_t i = 0; i < count; ++i)
        if (out[static_cast<size_t>(r)][i] != sumOf(ndev, i))
          return what + ", " + how + ": rank " + std::to_string(r) + " element " + std::to_string(i) + " is " +
                 std::to_string(out[static_cast<size_t>(r)][i]) + ", expected " + std::to_string(sumOf(ndev, i));
    return "";
  };
  reset();
  FCCL_TEST_CALL(fcclGroupStart());
  for (int r = 0; r < ndev; ++r)
    FCCL_TEST_CALL(fcclAllReduce(in[static_cast<size_t>(r)].data(), out[static_cast<size_t>(r)].data(), count,
                                 fcclFloat32, fcclSum, comms[static_cast<size_t>(r)], nullptr));
  FCCL_TEST_CALL(fcclGroupEnd());
  if (std::string e = check("in a group"); !e.empty()) {
    destroyAll(comms);
    return e;
  }
  reset();
  std::vector<fcclStream_t> streams(static_cast<size_t>(ndev), nullptr);
  for (auto& s : streams) FCCL_TEST_CALL(fcclStreamCreate(&s));
  for (int r = 0; r < ndev; ++r)
    FCCL_TEST_CALL(fcclAllReduce(in[static_cast<size_t>(r)].data(), out[static_cast<size_t>(r)].data(), count,
                                 fcclFloat32, fcclSum, comms[static_cast<size_t>(r)], streams[static_cast<size_t>(r)]));
  for (auto& s : streams) FCCL_TEST_CALL(fcclStreamSynchronize(s));
  for (auto& s : streams) FCCL_TEST_CALL(fcclStreamDestroy(s));
  if (std::string e = check("on streams"); !e.empty()) {
    destroyAll(comms);
    return e;
  }
  for (fcclComm_t c : comms) FCCL_TEST_CALL(fcclCommDestroy(c));
  return "";
}

}  // namespace

TEST_CASE("fcclCommInitAll makes ranks one thread drives in a group and on streams", "[integration][initall]") {
  auto outcomes = runRanks(
      1,
      [](int) -> std::string {
        if (std::string e = initAllAndReduce(4, {}); !e.empty()) return e;
        if (std::string e = initAllAndReduce(4, {3, 1, 2, 0}); !e.empty()) return e;
        return initAllAndReduce(1, {5});
      },
      std::chrono::seconds(60));
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

TEST_CASE("ranks of one process exchange with sends and receives in one group", "[integration][initall]") {
  auto outcomes = runRanks(
      1,
      [](int) -> std::string {
        const int ndev = 4;
        std::vector<fcclComm_t> comms(ndev, nullptr);
        FCCL_TEST_CALL(fcclCommInitAll(comms.data(), ndev, nullptr));
        // Every rank sends a block to every rank (itself included) and around the ring; all calls of
        // all four ranks are made from this thread in one group.
        const size_t count = 200000;  // past the FIFO per pair in total
        std::vector<std::vector<int32_t>> out(ndev), in(ndev), ring(ndev);
        for (int r = 0; r < ndev; ++r) {
          out[static_cast<size_t>(r)].resize(count * ndev);
          for (size_t i = 0; i < count * ndev; ++i)
            out[static_cast<size_t>(r)][i] = r * 1000000 + static_cast<int32_t>(i % 999983);
          in[static_cast<size_t>(r)].assign(count * ndev, -1);
          ring[static_cast<size_t>(r)].assign(count, -1);
        }
        FCCL_TEST_CALL(fcclGroupStart());
        for (int r = 0; r < ndev; ++r) {
          fcclComm_t c = comms[static_cast<size_t>(r)];
          FCCL_TEST_CALL(fcclAllToAll(out[static_cast<size_t>(r)].data(), in[static_cast<size_t>(r)].data(), count,
                                      fcclInt32, c, nullptr));
          FCCL_TEST_CALL(fcclSend(out[static_cast<size_t>(r)].data(), count, fcclInt32, (r + 1) % ndev, c, nullptr));
          FCCL_TEST_CALL(
              fcclRecv(ring[static_cast<size_t>(r)].data(), count, fcclInt32, (r + ndev - 1) % ndev, c, nullptr));
        }
        FCCL_TEST_CALL(fcclGroupEnd());
        for (int r = 0; r < ndev; ++r) {
          for (size_t i = 0; i < count * ndev; ++i) {
            const int from = static_cast<int>(i / count);
            const int32_t want =
                from * 1000000 + static_cast<int32_t>((static_cast<size_t>(r) * count + i % count) % 999983);
            if (in[static_cast<size_t>(r)][i] != want)
              return "alltoall: rank " + std::to_string(r) + " element " + std::to_string(i) + " is wrong";
          }
          const int prev = (r + ndev - 1) % ndev;
          for (size_t i = 0; i < count; ++i)
            if (ring[static_cast<size_t>(r)][i] != prev * 1000000 + static_cast<int32_t>(i % 999983))
              return "ring: rank " + std::to_string(r) + " element " + std::to_string(i) + " is wrong";
        }
        for (fcclComm_t c : comms) FCCL_TEST_CALL(fcclCommDestroy(c));
        return "";
      },
      std::chrono::seconds(60));
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

TEST_CASE("FCCL_CHECK catches a mismatch between ranks of one process in a group", "[integration][initall]") {
  auto outcomes = runRanks(
      1,
      [](int) -> std::string {
        setenv("FCCL_CHECK", "1", 1);
        const int ndev = 3;
        std::vector<fcclComm_t> comms(ndev, nullptr);
        FCCL_TEST_CALL(fcclCommInitAll(comms.data(), ndev, nullptr));
        std::vector<std::vector<float>> x(ndev, std::vector<float>(1000, 1.0f)),
            y(ndev, std::vector<float>(1000, 0.0f));
        FCCL_TEST_CALL(fcclGroupStart());
        for (int r = 0; r < ndev; ++r)
          FCCL_TEST_CALL(fcclAllReduce(x[static_cast<size_t>(r)].data(), y[static_cast<size_t>(r)].data(),
                                       r == 1 ? 999 : 1000, fcclFloat32, fcclSum, comms[static_cast<size_t>(r)],
                                       nullptr));
        const fcclResult_t r = fcclGroupEnd();
        const std::string text = fcclGetLastError(nullptr);
        if (r != fcclInvalidUsage)
          return std::string("the mismatched group returned ") + fcclGetErrorString(r) + ": " + text;
        if (text.find("rank 1 called") == std::string::npos) return "the error does not name rank 1: " + text;
        FCCL_TEST_CALL(fcclGroupStart());
        for (int k = 0; k < ndev; ++k)
          FCCL_TEST_CALL(fcclAllReduce(x[static_cast<size_t>(k)].data(), y[static_cast<size_t>(k)].data(), 1000,
                                       fcclFloat32, fcclSum, comms[static_cast<size_t>(k)], nullptr));
        FCCL_TEST_CALL(fcclGroupEnd());
        for (int k = 0; k < ndev; ++k)
          if (y[static_cast<size_t>(k)][999] != 3.0f) return "the matching group after the mismatch gave wrong data";
        for (fcclComm_t c : comms) FCCL_TEST_CALL(fcclCommDestroy(c));
        return "";
      },
      std::chrono::seconds(60));
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

TEST_CASE("fcclCommInitAll rejects bad arguments", "[integration][initall]") {
  auto outcomes = runRanks(
      1,
      [](int) -> std::string {
        fcclComm_t comms[2] = {nullptr, nullptr};
        const int bad[2] = {0, -1};
        if (fcclCommInitAll(nullptr, 2, nullptr) != fcclInvalidArgument) return "comms NULL was accepted";
        if (fcclCommInitAll(comms, 0, nullptr) != fcclInvalidArgument) return "ndev 0 was accepted";
        if (fcclCommInitAll(comms, 2, bad) != fcclInvalidArgument) return "device -1 was accepted";
        if (comms[0] || comms[1]) return "a failed fcclCommInitAll left communicators behind";
        return "";
      },
      std::chrono::seconds(30));
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

TEST_CASE("non-blocking init on 3 processes is polled until ready", "[integration][initall]") {
  const int n = 3;
  const fcclUniqueId id = newUniqueId();
  auto outcomes = runRanks(
      n,
      [&](int rank) -> std::string {
        fcclConfig_t config = FCCL_CONFIG_INITIALIZER;
        config.blocking = 0;
        config.timeoutMs = 20000;
        fcclComm_t comm = nullptr;
        const fcclResult_t r = fcclCommInitRankConfig(&comm, n, id, rank, &config);
        if (r != fcclInProgress && r != fcclSuccess) return failure("fcclCommInitRankConfig (non-blocking)", r);
        if (!comm) return "non-blocking init gave no communicator";
        // Count and rank are known at once; a stream call may be queued before init is done.
        int count = -1, me = -1;
        FCCL_TEST_CALL(fcclCommCount(comm, &count));
        FCCL_TEST_CALL(fcclCommUserRank(comm, &me));
        if (count != n || me != rank)
          return "count/rank during init: " + std::to_string(count) + "/" + std::to_string(me);
        fcclStream_t stream = nullptr;
        FCCL_TEST_CALL(fcclStreamCreate(&stream));
        int64_t early = rank + 1, earlySum = -1;
        FCCL_TEST_CALL(fcclAllReduce(&early, &earlySum, 1, fcclInt64, fcclSum, comm, stream));
        const fcclResult_t state = awaitReady(comm, std::chrono::seconds(20));
        if (state != fcclSuccess) return std::string("init ended with ") + fcclGetErrorString(state);
        FCCL_TEST_CALL(fcclStreamSynchronize(stream));
        FCCL_TEST_CALL(fcclStreamDestroy(stream));
        if (earlySum != 6) return "the all-reduce queued during init gave " + std::to_string(earlySum);
        std::vector<double> x(100000, rank + 0.5), y(100000, -1);
        FCCL_TEST_CALL(fcclAllReduce(x.data(), y.data(), x.size(), fcclFloat64, fcclMax, comm, nullptr));
        for (double v : y)
          if (v != n - 0.5) return "allreduce max after init gave " + std::to_string(v);
        FCCL_TEST_CALL(fcclCommDestroy(comm));
        return "";
      },
      std::chrono::seconds(60));
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

}  // namespace fccl::test
