// Bad input gets a clear error and a non-zero status, never a crash, and leaves a usable
// communicator usable.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "harness/comm_fixture.h"
#include "harness/run_ranks.h"

namespace fccl::test {
namespace {

// "" when `got` is `want` and the last error mentions `word`.
std::string expect(fcclResult_t got, fcclResult_t want, const char* what, const char* word) {
  if (std::string e = expectResult(got, want, what); !e.empty()) return e;
  const std::string text = fcclGetLastError(nullptr);
  if (word && text.find(word) == std::string::npos)
    return std::string(what) + ": last error \"" + text + "\" does not mention " + word;
  return "";
}

#define EXPECT_RESULT(call, want, word)                                  \
  do {                                                                   \
    std::string e_ = expect((call), (want), #call, (word));              \
    if (!e_.empty()) return e_;                                          \
  } while (0)

}  // namespace

TEST_CASE("init rejects bad arguments with fcclInvalidArgument", "[integration][api]") {
  auto outcomes = runRanks(1, [](int) -> std::string {
    fcclUniqueId id;
    EXPECT_RESULT(fcclGetUniqueId(nullptr), fcclInvalidArgument, "uniqueId");
    FCCL_TEST_CALL(fcclGetUniqueId(&id));
    fcclComm_t comm = nullptr;
    EXPECT_RESULT(fcclCommInitRank(nullptr, 1, id, 0), fcclInvalidArgument, "comm");
    EXPECT_RESULT(fcclCommInitRank(&comm, 0, id, 0), fcclInvalidArgument, "nranks");
    EXPECT_RESULT(fcclCommInitRank(&comm, -3, id, 0), fcclInvalidArgument, "nranks");
    EXPECT_RESULT(fcclCommInitRank(&comm, 2, id, 2), fcclInvalidArgument, "rank");
    EXPECT_RESULT(fcclCommInitRank(&comm, 2, id, -1), fcclInvalidArgument, "rank");
    fcclConfig_t config = FCCL_CONFIG_INITIALIZER;
    config.magic = 0;
    EXPECT_RESULT(fcclCommInitRankConfig(&comm, 1, id, 0, &config), fcclInvalidArgument, "FCCL_CONFIG_INITIALIZER");
    config = FCCL_CONFIG_INITIALIZER;
    config.blocking = 7;
    EXPECT_RESULT(fcclCommInitRankConfig(&comm, 1, id, 0, &config), fcclInvalidArgument, "blocking");
    int value = 0;
    EXPECT_RESULT(fcclCommCount(nullptr, &value), fcclInvalidArgument, "comm");
    EXPECT_RESULT(fcclCommUserRank(nullptr, &value), fcclInvalidArgument, "comm");
    EXPECT_RESULT(fcclGetVersion(nullptr), fcclInvalidArgument, "version");
    EXPECT_RESULT(fcclAllReduce(&value, &value, 1, fcclInt32, fcclSum, nullptr, nullptr), fcclInvalidArgument, "comm");
    return "";
  });
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

TEST_CASE("collectives reject bad arguments and the communicator stays usable", "[integration][api]") {
  const fcclUniqueId id = newUniqueId();
  auto outcomes = runRanks(2, [&](int rank) -> std::string {
    fcclComm_t comm = nullptr;
    FCCL_TEST_CALL(fcclCommInitRank(&comm, 2, id, rank));
    std::vector<float> a(64, 1.0f), b(128, 0.0f);
    EXPECT_RESULT(fcclAllReduce(nullptr, b.data(), 4, fcclFloat32, fcclSum, comm, nullptr), fcclInvalidArgument, "sendbuff");
    EXPECT_RESULT(fcclAllReduce(a.data(), nullptr, 4, fcclFloat32, fcclSum, comm, nullptr), fcclInvalidArgument, "recvbuff");
    EXPECT_RESULT(fcclAllReduce(a.data(), b.data(), SIZE_MAX / 2, fcclFloat32, fcclSum, comm, nullptr), fcclInvalidArgument, "count");
    EXPECT_RESULT(fcclAllGather(a.data(), b.data(), SIZE_MAX / 3, fcclFloat32, comm, nullptr), fcclInvalidArgument, "count");
    EXPECT_RESULT(fcclAllReduce(a.data(), b.data(), 4, static_cast<fcclDataType_t>(99), fcclSum, comm, nullptr),
                  fcclInvalidArgument, "datatype");
    EXPECT_RESULT(fcclAllReduce(a.data(), b.data(), 4, fcclFloat32, static_cast<fcclRedOp_t>(-1), comm, nullptr),
                  fcclInvalidArgument, "op");
    EXPECT_RESULT(fcclReduceScatter(a.data(), b.data(), 4, fcclFloat32, static_cast<fcclRedOp_t>(17), comm, nullptr),
                  fcclInvalidArgument, "op");
    EXPECT_RESULT(fcclAllReduce(a.data(), a.data() + 1, 8, fcclFloat32, fcclSum, comm, nullptr), fcclInvalidArgument, "overlap");
    EXPECT_RESULT(fcclBroadcast(a.data(), b.data(), 4, fcclFloat32, 2, comm, nullptr), fcclInvalidArgument, "root");
    EXPECT_RESULT(fcclReduce(a.data(), b.data(), 4, fcclFloat32, fcclSum, -1, comm, nullptr), fcclInvalidArgument, "root");
    EXPECT_RESULT(fcclBcast(nullptr, 4, fcclFloat32, rank, comm, nullptr), fcclInvalidArgument, "sendbuff");
    EXPECT_RESULT(fcclAllReduce(a.data(), b.data(), 4, fcclFloat32, fcclSum, comm, reinterpret_cast<fcclStream_t>(&a)),
                  fcclInvalidArgument, "stream");
    // Count 0 with NULL buffers is a valid no-op.
    FCCL_TEST_CALL(fcclAllReduce(nullptr, nullptr, 0, fcclFloat32, fcclSum, comm, nullptr));
    // After all that, the communicator still works.
    FCCL_TEST_CALL(fcclAllReduce(a.data(), b.data(), 64, fcclFloat32, fcclSum, comm, nullptr));
    for (int i = 0; i < 64; ++i)
      if (b[static_cast<size_t>(i)] != 2.0f) return "allreduce after bad calls gave " + std::to_string(b[static_cast<size_t>(i)]);
    fcclResult_t state = fcclInternalError;
    FCCL_TEST_CALL(fcclCommGetAsyncError(comm, &state));
    if (state != fcclSuccess) return std::string("async error after bad calls: ") + fcclGetErrorString(state);
    FCCL_TEST_CALL(fcclCommDestroy(comm));
    return "";
  });
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

TEST_CASE("an unknown FCCL_ALGO is an error naming the known algorithms", "[integration][api]") {
  const fcclUniqueId id = newUniqueId();
  auto outcomes = runRanks(2, [&](int rank) -> std::string {
    setenv("FCCL_ALGO", "bogus", 1);
    fcclComm_t comm = nullptr;
    FCCL_TEST_CALL(fcclCommInitRank(&comm, 2, id, rank));
    float x = 1, y = 0;
    EXPECT_RESULT(fcclAllReduce(&x, &y, 1, fcclFloat32, fcclSum, comm, nullptr), fcclInvalidArgument, "ring");
    FCCL_TEST_CALL(fcclCommDestroy(comm));
    return "";
  });
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

TEST_CASE("non-blocking init reports fcclInProgress until the communicator is ready", "[integration][api]") {
  const fcclUniqueId id = newUniqueId();
  auto outcomes = runRanks(3, [&](int rank) -> std::string {
    fcclConfig_t config = FCCL_CONFIG_INITIALIZER;
    config.blocking = 0;
    fcclComm_t comm = nullptr;
    fcclResult_t r = fcclCommInitRankConfig(&comm, 3, id, rank, &config);
    if (r != fcclInProgress && r != fcclSuccess) return failure("fcclCommInitRankConfig", r);
    const fcclResult_t state = awaitReady(comm, std::chrono::seconds(20));
    if (state != fcclSuccess) return std::string("init ended with ") + fcclGetErrorString(state);
    int v = rank, sum = 0;
    FCCL_TEST_CALL(fcclAllReduce(&v, &sum, 1, fcclInt32, fcclSum, comm, nullptr));
    if (sum != 3) return "sum is " + std::to_string(sum);
    FCCL_TEST_CALL(fcclCommDestroy(comm));
    return "";
  });
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

TEST_CASE("a rank that never arrives makes init time out on the others", "[integration][api]") {
  const fcclUniqueId id = newUniqueId();
  auto outcomes = runRanks(2, [&](int rank) -> std::string {  // ranks 0 and 1 of 3; rank 2 never comes
    fcclConfig_t config = FCCL_CONFIG_INITIALIZER;
    config.timeoutMs = 1500;
    fcclComm_t comm = nullptr;
    fcclResult_t r = fcclCommInitRankConfig(&comm, 3, id, rank, &config);
    if (r != fcclTimeout) return std::string("init returned ") + fcclGetErrorString(r) + ", expected a timeout";
    if (comm != nullptr) return "a failed init left a communicator behind";
    return "";
  }, std::chrono::seconds(30));
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

}  // namespace fccl::test
