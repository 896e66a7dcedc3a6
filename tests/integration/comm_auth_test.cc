// A rank that does not know the id's secret cannot join: its connection is refused and its init
// fails cleanly, and the ranks that wait for it give up at their timeout instead of hanging.
#include <catch2/catch.hpp>

#include "bootstrap/unique_id.h"
#include "harness/comm_fixture.h"
#include "harness/run_ranks.h"

namespace fccl::test {

TEST_CASE("a rank with the wrong secret is refused and every init fails cleanly", "[integration][security]") {
  const fcclUniqueId id = newUniqueId();
  auto data = decodeUniqueId(id);
  REQUIRE(data.isOk());
  UniqueIdData forged = *data;
  forged.secret[0] ^= std::byte{0x5a};
  fcclUniqueId wrong;
  encodeUniqueId(forged, &wrong);

  auto outcomes = runRanks(2, [&](int rank) -> std::string {
    fcclConfig_t config = FCCL_CONFIG_INITIALIZER;
    config.timeoutMs = 2000;
    fcclComm_t comm = nullptr;
    const fcclResult_t r = fcclCommInitRankConfig(&comm, 2, rank == 1 ? wrong : id, rank, &config);
    const std::string text = fcclGetLastError(nullptr);
    if (r == fcclSuccess) return "init succeeded although rank 1 used a forged secret";
    if (comm != nullptr) return "a failed init left a communicator behind";
    if (rank == 1 && text.find("authentication") == std::string::npos)
      return "the impostor's error does not say authentication failed: " + text;
    if (rank == 0 && r != fcclTimeout) return "rank 0 returned " + std::string(fcclGetErrorString(r)) + ": " + text;
    return "";
  }, std::chrono::seconds(30));
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

}  // namespace fccl::test
