// Helpers for tests whose ranks build a communicator: the id is made before the ranks are forked,
// so every child inherits it. A rank's helpers return "" for success or a text
// that says what went wrong, as runRanks expects of a rank.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "fccl/fccl.h"

namespace fccl::test {

// "fcclX failed: <error string>: <last error>" for a result that is not success.
std::string failure(const char* what, fcclResult_t result);

// "" when `got` is `want`; else what was called, what came back, and the last error.
std::string expectResult(fcclResult_t got, fcclResult_t want, const char* what);

// A fresh unique id, or throws. A process of its own makes it and serves its bootstrap root until
// the test process exits, so the test process forks its ranks without threads.
fcclUniqueId newUniqueId();

// Blocking init of `rank` of `n` on `id`, every wait bounded by `timeoutMs`. On failure: NULL,
// and *error says why.
fcclComm_t initComm(const fcclUniqueId& id, int n, int rank, int timeoutMs, std::string* error);

// Polls a communicator made non-blocking until it leaves fcclInProgress or `limit` passes, and
// returns its state then (fcclInProgress when the limit passed first).
fcclResult_t awaitReady(fcclComm_t comm, std::chrono::milliseconds limit);

// What a rank does with its communicator: "" or what went wrong.
using CommFn = std::function<std::string(fcclComm_t comm, int rank)>;

// Forks n ranks on a fresh id. Each inits its communicator (initComm with `timeoutMs`), runs
// fn(comm, rank) and destroys the communicator; when fn fails it aborts it instead, so the rank
// reports fn's error, not a wait in destroy for peers that went on. A rank still running at
// `deadline` is killed. Then CHECKs that every rank succeeded, describing each one if not.
void runOnComms(int n, const CommFn& fn, std::chrono::milliseconds deadline, int timeoutMs = 20000);

}  // namespace fccl::test

// In a rank's function: returns the failure from it unless `call` succeeds.
#define FCCL_TEST_CALL(call)                                        \
  do {                                                              \
    fcclResult_t r_ = (call);                                       \
    if (r_ != fcclSuccess) return ::fccl::test::failure(#call, r_); \
  } while (0)

// In a rank's function: returns the mismatch from it unless `call` returns `want`.
#define FCCL_TEST_EXPECT(call, want)                                                                \
  do {                                                                                              \
    if (std::string e_ = ::fccl::test::expectResult((call), (want), #call); !e_.empty()) return e_; \
  } while (0)
