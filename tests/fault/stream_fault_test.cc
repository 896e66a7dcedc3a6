// Failures of work queued on a stream: a peer that dies while all-to-alls are queued turns into
// the stream's error and the communicator's async error on every survivor, the queued work
// behind it fails at once instead of waiting out its own timeouts, and destroy returns.
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <string>
#include <vector>

#include "harness/comm_fixture.h"
#include "harness/rank_signal.h"
#include "harness/run_ranks.h"

namespace fccl::test {

TEST_CASE("a rank killed under queued stream work fails the stream and the comm on the others", "[fault]") {
  const fcclUniqueId id = newUniqueId();
  const int n = 3, victim = 1;
  RankSignal underWay;
  Ranks ranks(n, [&](int rank) -> std::string {
    std::string error;
    fcclComm_t comm = initComm(id, n, rank, 60000, &error);
    if (!comm) return error;
    fcclStream_t stream = nullptr;
    FCCL_TEST_CALL(fcclStreamCreate(&stream));
    std::vector<float> send(3 << 20, 1.0f), recv(3 << 20);
    // A first call proves the link, then many are queued without waiting.
    FCCL_TEST_CALL(fcclAllToAll(send.data(), recv.data(), 1 << 20, fcclFloat32, comm, stream));
    FCCL_TEST_CALL(fcclStreamSynchronize(stream));
    if (rank == 0) underWay.raise();
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 20000; ++i) {
      fcclResult_t r = fcclAllToAll(send.data(), recv.data(), 1 << 20, fcclFloat32, comm, stream);
      if (r != fcclSuccess) break;  // queueing fails once the comm is broken: fine
      if (fcclStreamQuery(stream) != fcclInProgress && fcclStreamQuery(stream) != fcclSuccess) break;
    }
    const fcclResult_t synced = fcclStreamSynchronize(stream);
    fcclResult_t state = fcclSuccess;
    FCCL_TEST_CALL(fcclCommGetAsyncError(comm, &state));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    FCCL_TEST_CALL(fcclCommDestroy(comm));
    FCCL_TEST_CALL(fcclStreamDestroy(stream));
    if (synced == fcclSuccess) return "the stream finished without error although rank 1 died";
    if (state == fcclSuccess) return "the stream failed but the communicator shows no async error";
    if (seconds > 30) return "the queued work took " + std::to_string(seconds) + " s to fail";
    return "";
  });
  REQUIRE(underWay.await(std::chrono::seconds(60)));
  ranks.kill(victim, SIGKILL);
  auto outcomes = ranks.wait(std::chrono::seconds(90));
  INFO(describe(outcomes));
  for (const auto& o : outcomes) {
    if (o.rank == victim) CHECK(o.signal == SIGKILL);
    else CHECK(o.ok());
  }
}

}  // namespace fccl::test
