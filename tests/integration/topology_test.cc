// A job on a topology file: 8 ranks placed by topologies/4hosts-2-in-2-domains.json run the
// hierarchical and the flat all-reduce right (hops between the file's domains go through the
// scale-out net), and a file that describes another number of ranks fails init on every rank
// with a message naming it.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>
#include <vector>

#include "harness/comm_fixture.h"
#include "harness/run_ranks.h"

#ifndef FCCL_TOPOLOGIES_DIR
#error "FCCL_TOPOLOGIES_DIR must name the shipped topologies"
#endif

namespace fccl::test {

TEST_CASE("ranks placed by a topology file run hierarchical and ring all-reduce right", "[integration][topology]") {
  const fcclUniqueId ids[] = {newUniqueId(), newUniqueId()};
  const int n = 8;
  auto outcomes = runRanks(n, [&](int rank) -> std::string {
    setenv("FCCL_TOPO_FILE", FCCL_TOPOLOGIES_DIR "/4hosts-2-in-2-domains.json", 1);
    const char* algos[] = {"hier", "ring"};
    for (int a = 0; a < 2; ++a) {
      const char* algo = algos[a];
      setenv("FCCL_ALGO", algo, 1);  // read at init: a communicator per algorithm
      std::string error;
      fcclComm_t sub = initComm(ids[a], n, rank, 60000, &error);
      if (!sub) return error;
      for (size_t count : {size_t{1}, size_t{7}, size_t{1000}, size_t{300001}}) {
        std::vector<float> in(count), out(count, -1.0f);
        for (size_t i = 0; i < count; ++i) in[i] = static_cast<float>(rank + 1) + static_cast<float>(i % 5);
        FCCL_TEST_CALL(fcclAllReduce(in.data(), out.data(), count, fcclFloat32, fcclSum, sub, nullptr));
        for (size_t i = 0; i < count; ++i) {
          const float want = 36.0f + 8.0f * static_cast<float>(i % 5);
          if (out[i] != want)
            return std::string(algo) + ": element " + std::to_string(i) + " of " + std::to_string(count) + " is " +
                   std::to_string(out[i]) + ", want " + std::to_string(want);
        }
      }
      FCCL_TEST_CALL(fcclCommDestroy(sub));
    }
    return "";
  }, std::chrono::seconds(120));
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

TEST_CASE("a topology file for another number of ranks fails init naming the file", "[integration][topology]") {
  const fcclUniqueId id = newUniqueId();
  const int n = 3;
  auto outcomes = runRanks(n, [&](int rank) -> std::string {
    setenv("FCCL_TOPO_FILE", FCCL_TOPOLOGIES_DIR "/1host-8.json", 1);
    fcclComm_t comm = nullptr;
    const fcclResult_t r = fcclCommInitRank(&comm, n, id, rank);
    if (r == fcclSuccess) return "init succeeded";
    const std::string text = fcclGetLastError(nullptr);
    if (text.find("1host-8.json describes 8 ranks, the communicator has 3") == std::string::npos)
      return "message: " + text;
    return "";
  }, std::chrono::seconds(60));
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

}  // namespace fccl::test
