// fcclCommAbort always returns, and soon, also when the communicator has work pending that can
// never finish: a stream call whose peer never calls, or a non-blocking init whose peers never
// come. The work that was cut short reports an error instead of success.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "harness/comm_fixture.h"
#include "harness/rank_signal.h"
#include "harness/run_ranks.h"

namespace fccl::test {
namespace {

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("abort cuts short a stream call whose peer never calls", "[fault][abort]") {
  const fcclUniqueId id = newUniqueId();
  RankSignal done;
  auto outcomes = runRanks(
      2,
      [&](int rank) -> std::string {
        std::string error;  // a 60 s timeout, far beyond the test: only the abort can end the wait
        fcclComm_t comm = initComm(id, 2, rank, 60000, &error);
        if (!comm) return error;
        if (rank == 1) {  // stays alive, never calls, until rank 0 is done
          done.await(std::chrono::seconds(30));
          fcclCommAbort(comm);
          return "";
        }
        std::vector<float> x(1 << 20, 1.0f), y(1 << 20, 0.0f);
        fcclStream_t stream = nullptr;
        FCCL_TEST_CALL(fcclStreamCreate(&stream));
        FCCL_TEST_CALL(fcclAllReduce(x.data(), y.data(), x.size(), fcclFloat32, fcclSum, comm, stream));
        FCCL_TEST_CALL(fcclAllReduce(x.data(), y.data(), x.size(), fcclFloat32, fcclSum, comm, stream));
        if (fcclStreamQuery(stream) != fcclInProgress) return "the stream work finished without its peer";
        const auto start = std::chrono::steady_clock::now();
        FCCL_TEST_CALL(fcclCommAbort(comm));
        const double abortSeconds = secondsSince(start);
        const fcclResult_t synced = fcclStreamSynchronize(stream);
        const double syncSeconds = secondsSince(start);
        done.raise();
        if (abortSeconds > 5) return "fcclCommAbort took " + std::to_string(abortSeconds) + " s";
        if (syncSeconds > 5) return "the stream took " + std::to_string(syncSeconds) + " s to stop after the abort";
        if (synced == fcclSuccess) return "the stream reported success for work the abort cut short";
        FCCL_TEST_CALL(fcclStreamDestroy(stream));
        return "";
      },
      std::chrono::seconds(40));
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

TEST_CASE("abort during a non-blocking init whose peers never come returns at once", "[fault][abort]") {
  const fcclUniqueId id = newUniqueId();
  auto outcomes = runRanks(
      1,
      [&](int) -> std::string {  // rank 0 of 3; ranks 1, 2 never come
        fcclConfig_t config = FCCL_CONFIG_INITIALIZER;
        config.blocking = 0;
        config.timeoutMs = 60000;
        fcclComm_t comm = nullptr;
        const fcclResult_t r = fcclCommInitRankConfig(&comm, 3, id, 0, &config);
        if (r != fcclInProgress) return std::string("non-blocking init returned ") + fcclGetErrorString(r);
        fcclResult_t state = fcclSuccess;
        FCCL_TEST_CALL(fcclCommGetAsyncError(comm, &state));
        if (state != fcclInProgress) return std::string("init without peers is in state ") + fcclGetErrorString(state);
        const auto start = std::chrono::steady_clock::now();
        FCCL_TEST_CALL(fcclCommAbort(comm));
        if (secondsSince(start) > 5)
          return "fcclCommAbort during init took " + std::to_string(secondsSince(start)) + " s";
        return "";
      },
      std::chrono::seconds(40));
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

}  // namespace fccl::test

namespace fccl::test {

// Two ranks in the middle of a large exchange over the scale-out net both stop when a third
// aborts: their chunks in flight to each other will never be taken, and closing must not wait
// for them.
TEST_CASE("abort returns promptly while scale-out chunks are in flight between ranks that both stop",
          "[fault][abort]") {
  const fcclUniqueId id = newUniqueId();
  RankSignal exchanging;
  auto outcomes = runRanks(
      3,
      [&](int rank) -> std::string {
        setenv("FCCL_TRANSPORT", "scaleout", 1);
        std::string error;
        fcclComm_t comm = initComm(id, 3, rank, 60000, &error);
        if (!comm) return error;
        std::vector<float> out(size_t{32} << 20, 1.0f), in(out.size());
        const int peer = 1 - rank;
        auto exchange = [&](size_t count) {
          fcclGroupStart();
          fcclSend(out.data(), count, fcclFloat32, peer, comm, nullptr);
          fcclRecv(in.data(), count, fcclFloat32, peer, comm, nullptr);
          return fcclGroupEnd();
        };
        if (rank == 2) {  // the one that gives up, once the others are well into their exchange
          if (!exchanging.await(std::chrono::seconds(30))) return "the exchange never started";
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
          FCCL_TEST_CALL(fcclCommAbort(comm));
          return "";
        }
        FCCL_TEST_CALL(exchange(1024));  // connections up
        if (rank == 0) exchanging.raise();
        fcclResult_t r = fcclSuccess;
        for (int i = 0; i < 1000 && r == fcclSuccess; ++i) r = exchange(out.size());
        if (r == fcclSuccess) return "the exchanges never stopped";
        const auto start = std::chrono::steady_clock::now();
        FCCL_TEST_CALL(fcclCommAbort(comm));
        const double seconds = secondsSince(start);
        if (seconds > 1) return "fcclCommAbort took " + std::to_string(seconds) + " s";
        return "";
      },
      std::chrono::seconds(60));
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

}  // namespace fccl::test
