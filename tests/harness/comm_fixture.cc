#include "harness/comm_fixture.h"

#include <catch2/catch.hpp>
#include <stdexcept>
#include <thread>

#include "harness/run_ranks.h"

namespace fccl::test {

std::string failure(const char* what, fcclResult_t result) {
  return std::string(what) + " failed: " + fcclGetErrorString(result) + ": " + fcclGetLastError(nullptr);
}

std::string expectResult(fcclResult_t got, fcclResult_t want, const char* what) {
  if (got == want) return "";
  return std::string(what) + " returned " + fcclGetErrorString(got) + ", expected " + fcclGetErrorString(want) +
         " (last error: " + fcclGetLastError(nullptr) + ")";
}

fcclUniqueId newUniqueId() {
  fcclUniqueId id;
  fcclResult_t r = fcclGetUniqueId(&id);
  if (r != fcclSuccess) throw std::runtime_error(failure("fcclGetUniqueId", r));
  return id;
}

fcclComm_t initComm(const fcclUniqueId& id, int n, int rank, int timeoutMs, std::string* error) {
  fcclConfig_t config = FCCL_CONFIG_INITIALIZER;
  config.timeoutMs = timeoutMs;
  fcclComm_t comm = nullptr;
  fcclResult_t r = fcclCommInitRankConfig(&comm, n, id, rank, &config);
  if (r != fcclSuccess) *error = failure("fcclCommInitRankConfig", r);
  return comm;
}

fcclResult_t awaitReady(fcclComm_t comm, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  for (;;) {
    fcclResult_t state = fcclInProgress;
    if (fcclResult_t r = fcclCommGetAsyncError(comm, &state); r != fcclSuccess) return r;
    if (state != fcclInProgress || std::chrono::steady_clock::now() >= end) return state;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

void runOnComms(int n, const CommFn& fn, std::chrono::milliseconds deadline, int timeoutMs) {
  const fcclUniqueId id = newUniqueId();
  auto outcomes = runRanks(
      n,
      [&](int rank) -> std::string {
        std::string error;
        fcclComm_t comm = initComm(id, n, rank, timeoutMs, &error);
        if (!comm) return error;
        error = fn(comm, rank);
        if (!error.empty()) {
          fcclCommAbort(comm);
          return error;
        }
        FCCL_TEST_CALL(fcclCommDestroy(comm));
        return "";
      },
      deadline);
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

}  // namespace fccl::test
