// NVLS as fccl-sim prices it (tools/fccl-sim/multicast.h), against closed forms on one domain of
// n ranks whose links, switch ports and reductions all run at B, hops of latency a and a
// multicast barrier of latency m:
//   a sync of every member takes m;
//   one rank's reduce of b bytes streams in from every member and back: a/2 + b/B;
//   every rank reducing its own slice at once (NVLS reduce-scatter) shares each member's link
//   among the n requests: a/2 + n b/B; every rank storing its slice at once (NVLS all-gather)
//   shares each member's link in alike: a/2 + n b/B.
#include <catch2/catch.hpp>

#include <string>

#include "tools/fccl-sim/child_run.h"
#include "tools/fccl-sim/simulation.h"

namespace fccl::test {
namespace {

constexpr double kLatencyUs = 2, kBarrierUs = 3, kGBps = 100;
constexpr uint64_t kBytes = 1 << 20;

enum class Op { kSync, kOneReduce, kAllReduce, kAllStore };

double simulatedUs(int n, Op op) {
  auto text = sim::runInChild([&]() -> Expected<std::string> {
    FabricFigures f;
    f.scaleUp.linkGBps = kGBps;
    f.scaleUp.latencyUs = kLatencyUs;
    f.nvls = NvlsFigures{kGBps, kGBps, kBarrierUs};
    f.device = {1e9, 1e9};
    TopologyFile file;
    file.source = "(test)";
    file.hosts.push_back(TopoHost{"h", n, "h", {}});
    file.fabric = f;
    FCCL_ASSIGN_OR_RETURN(sim::Machine machine, sim::Machine::make(file, n));
    FCCL_ASSIGN_OR_RETURN(auto simulation, sim::Simulation::create(std::move(machine), sim::SimSettings{}));
    sim::MulticastGroup* group = simulation->multicast(0);
    if (!group) return Status(Code::kInternal, "no NVLS group");
    FCCL_ASSIGN_OR_RETURN(double seconds, simulation->runEach([&](int rank) {
      if (op == Op::kSync) group->sync(rank);
      if (op == Op::kOneReduce && rank == 0) group->reduce(rank, kBytes);
      if (op == Op::kAllReduce) group->reduce(rank, kBytes);
      if (op == Op::kAllStore) group->store(rank, kBytes);
    }));
    return std::to_string(seconds * 1e6);
  });
  INFO((text.isOk() ? *text : text.status().message()));
  REQUIRE(text.isOk());
  return std::stod(*text);
}

double transferUs(double bytes) { return bytes / (kGBps * 1e3); }

}  // namespace

TEST_CASE("a multicast sync releases every member one barrier latency after the last arrives", "[unit][sim]") {
  const int n = GENERATE(2, 8, 72);
  CHECK(simulatedUs(n, Op::kSync) == Approx(kBarrierUs).epsilon(0.01));
}

TEST_CASE("a multicast reduce streams every member's slice through the switch and back", "[unit][sim]") {
  const int n = GENERATE(2, 8, 72);
  CHECK(simulatedUs(n, Op::kOneReduce) == Approx(kLatencyUs / 2 + transferUs(kBytes)).epsilon(0.01));
}

TEST_CASE("reduces and stores of every member at once share each member's link n ways", "[unit][sim]") {
  const int n = GENERATE(2, 8, 72);
  const double want = kLatencyUs / 2 + n * transferUs(kBytes);
  CHECK(simulatedUs(n, Op::kAllReduce) == Approx(want).epsilon(0.01));
  CHECK(simulatedUs(n, Op::kAllStore) == Approx(want).epsilon(0.01));
}

}  // namespace fccl::test
