// A peer that dies, stalls or calls something else becomes an error on the ranks that wait for
// it, within the communicator's timeout or sooner, never a hang.
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "harness/comm_fixture.h"
#include "harness/rank_signal.h"
#include "harness/run_ranks.h"
#include "harness/time_bounds.h"

namespace fccl::test {
namespace {

// `transport`: nullptr for the per-hop choice (scale-up here), "scaleout" for the libfabric net.
void killRankDuringAllReduces(const char* transport) {
  const fcclUniqueId id = newUniqueId();
  const int n = 4, victim = 2;
  RankSignal underWay;
  Ranks ranks(n, [&](int rank) -> std::string {
    if (transport) setenv("FCCL_TRANSPORT", transport, 1);
    std::string error;
    fcclComm_t comm = initComm(id, n, rank, 60000, &error);
    if (!comm) return error;
    std::vector<float> buf(4 << 20, 1.0f);
    for (int iter = 0;; ++iter) {
      if (iter == 2 && rank == 0) underWay.raise();  // the collectives are under way
      fcclResult_t r = fcclAllReduce(buf.data(), buf.data(), buf.size(), fcclFloat32, fcclSum, comm, nullptr);
      if (r != fcclSuccess) {
        fcclResult_t state = fcclSuccess;
        fcclCommGetAsyncError(comm, &state);
        fcclCommAbort(comm);
        if (state == fcclSuccess) return "the failed collective left no async error";
        if (r == fcclRemoteError || r == fcclTimeout) return "";
        return failure("fcclAllReduce", r);
      }
      if (iter > 100000) return "the collectives never failed";
    }
  });
  REQUIRE(underWay.await(std::chrono::seconds(60)));
  const auto start = std::chrono::steady_clock::now();
  ranks.kill(victim, SIGKILL);
  auto outcomes = ranks.wait(std::chrono::seconds(60));
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  INFO(describe(outcomes));
  for (const auto& o : outcomes) {
    if (o.rank == victim) CHECK(o.signal == SIGKILL);
    else CHECK(o.ok());
  }
  CHECK(seconds < 30);  // the others notice the death, they do not sit out the 60 s timeout
}

}  // namespace

TEST_CASE("a rank killed in the middle of all-reduces turns into an error on the others", "[fault]") {
  killRankDuringAllReduces(nullptr);
}

TEST_CASE("a rank killed in the middle of all-reduces over the scale-out net turns into an error on the others",
          "[fault]") {
  killRankDuringAllReduces("scaleout");
}

TEST_CASE("a rank that never calls the collective makes the others time out naming the step and peer", "[fault]") {
  const fcclUniqueId id = newUniqueId();
  const int n = 3;
  auto outcomes = runRanks(n, [&](int rank) -> std::string {
    std::string error;
    fcclComm_t comm = initComm(id, n, rank, 1500, &error);
    if (!comm) return error;
    float x = 1, y = 0;
    if (rank == 1) {  // stays alive, but does not take part
      std::this_thread::sleep_for(std::chrono::milliseconds(4000));
      fcclCommAbort(comm);
      return "";
    }
    fcclResult_t r = fcclAllReduce(&x, &y, 1, fcclFloat32, fcclSum, comm, nullptr);
    const std::string text = fcclGetLastError(comm);
    fcclCommAbort(comm);
    if (r != fcclTimeout) return "allreduce returned " + std::string(fcclGetErrorString(r)) + ": " + text;
    if (text.find("allreduce #1") == std::string::npos || text.find("rank") == std::string::npos)
      return "the timeout message does not say what waited on whom: " + text;
    return "";
  }, std::chrono::seconds(60));
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

TEST_CASE("ranks that pass different counts get an error, not a hang or corrupt data", "[fault]") {
  const fcclUniqueId id = newUniqueId();
  const int n = 2;
  auto outcomes = runRanks(n, [&](int rank) -> std::string {
    std::string error;
    fcclComm_t comm = initComm(id, n, rank, 3000, &error);
    if (!comm) return error;
    std::vector<float> in(1000, 1.0f), out(1000);
    const size_t count = rank == 0 ? 1000 : 999;
    fcclResult_t r = fcclAllReduce(in.data(), out.data(), count, fcclFloat32, fcclSum, comm, nullptr);
    const std::string text = fcclGetLastError(comm);
    fcclCommAbort(comm);
    if (r == fcclSuccess) return "mismatched counts were not noticed";
    return "";
  }, std::chrono::seconds(60));
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

TEST_CASE("fcclCommAbort returns promptly while another thread is blocked in a collective", "[fault]") {
  const fcclUniqueId id = newUniqueId();
  const int n = 2;
  auto outcomes = runRanks(n, [&](int rank) -> std::string {
    std::string error;
    fcclComm_t comm = initComm(id, n, rank, 60000, &error);
    if (!comm) return error;
    if (rank == 1) {  // never joins; waits for rank 0 to give up
      std::this_thread::sleep_for(std::chrono::milliseconds(3000));
      fcclCommAbort(comm);
      return "";
    }
    fcclResult_t result = fcclSuccess;
    float x = 1, y = 0;
    std::thread blocked([&] { result = fcclAllReduce(&x, &y, 1, fcclFloat32, fcclSum, comm, nullptr); });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const auto start = std::chrono::steady_clock::now();
    fcclCommAbort(comm);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    blocked.join();
    if (ms > slackMs(1000)) return "abort took " + std::to_string(ms) + " ms";
    if (result == fcclSuccess) return "the aborted collective reported success";
    return "";
  }, std::chrono::seconds(60));
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

}  // namespace fccl::test
