// fccl-sim against closed forms: on uniform links of latency a and rate B, with one chunk per
// step and reductions free, the library's plans take the time their step structure implies:
//   ring all-reduce 2(n-1)(a + S/(nB)), ring all-gather and reduce-scatter (n-1)(a + S/(nB)),
//   tree all-reduce on 2 ranks (each tree half the data, up then down) 2(a + S/(2B)),
//   direct all-to-all a + (n-1)(S/n)/B (a rank's n-1 messages share its link);
// and two flows crossing one link each get half of it. Each simulation runs in a process of its
// own (SimGrid holds one platform per process).
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>
#include <string>

#include "tools/fccl-sim/child_run.h"
#include "tools/fccl-sim/simulation.h"

namespace fccl::test {
namespace {

constexpr double kLatencyUs = 1.5;
constexpr double kGBps = 40;
constexpr double kFree = 1e9;  // GB/s of reductions and copies that cost nothing noticeable

FabricFigures uniform(double switchGBps = 0) {
  FabricFigures f;
  f.scaleUp.linkGBps = kGBps;
  f.scaleUp.latencyUs = kLatencyUs;
  f.scaleUp.switchGBps = switchGBps;
  f.device = {kFree, kFree};
  return f;
}

TopologyFile oneHost(int ranks, const FabricFigures& figures) {
  TopologyFile file;
  file.source = "(test)";
  file.hosts.push_back(TopoHost{"h", ranks, "h", {}});
  file.fabric = figures;
  return file;
}

// Simulates `collective` of `bytes` on `n` ranks with `algo` on one channel, one chunk per step;
// the simulated time in microseconds.
double simulatedUs(const FabricFigures& figures, int n, Collective collective, size_t bytes, const std::string& algo) {
  auto text = sim::runInChild([&]() -> Expected<std::string> {
    FCCL_ASSIGN_OR_RETURN(sim::Machine machine, sim::Machine::make(oneHost(n, figures), n));
    sim::SimSettings settings;
    settings.comm.algorithm = algo;
    settings.comm.channels = 1;
    FCCL_ASSIGN_OR_RETURN(auto simulation, sim::Simulation::create(std::move(machine), settings));
    FCCL_ASSIGN_OR_RETURN(sim::CallPlan plan, simulation->choose(collective, bytes));
    if (collective != Collective::kAllToAll && std::string(plan.algorithm.name) != algo)
      return Status(Code::kInternal, "the tuner chose " + std::string(plan.algorithm.name));
    plan.channels = 1;
    plan.chunkBytes = bytes;  // every step's slice is at most the whole buffer: one chunk
    FCCL_ASSIGN_OR_RETURN(sim::CallResult result, simulation->run(plan));
    return std::to_string(result.seconds * 1e6);
  });
  INFO((text.isOk() ? *text : text.status().message()));
  REQUIRE(text.isOk());
  return std::stod(*text);
}

double stepUs(double bytes) { return kLatencyUs + bytes / (kGBps * 1e3); }

}  // namespace

TEST_CASE("simulated ring all-reduce takes 2(n-1)(a + S/(nB)) on uniform links", "[unit][sim]") {
  const int n = GENERATE(2, 8, 72);
  const size_t bytes = size_t{4} * 72 * 4096;  // whole elements in every block for each n
  const double want = 2 * (n - 1) * stepUs(static_cast<double>(bytes) / n);
  CHECK(simulatedUs(uniform(), n, Collective::kAllReduce, bytes, "ring") == Approx(want).epsilon(0.01));
}

TEST_CASE("simulated ring all-gather and reduce-scatter take (n-1)(a + S/(nB))", "[unit][sim]") {
  const int n = GENERATE(2, 8, 72);
  const Collective c = GENERATE(Collective::kAllGather, Collective::kReduceScatter);
  const size_t bytes = size_t{4} * 72 * 4096;  // nccl-tests' size: the output, or the input
  const double want = (n - 1) * stepUs(static_cast<double>(bytes) / n);
  CHECK(simulatedUs(uniform(), n, c, bytes, "ring") == Approx(want).epsilon(0.01));
}

TEST_CASE("simulated tree all-reduce on 2 ranks takes a hop up and a hop down of half the data", "[unit][sim]") {
  const size_t bytes = size_t{1} << 20;
  CHECK(simulatedUs(uniform(), 2, Collective::kAllReduce, bytes, "tree") ==
        Approx(2 * stepUs(static_cast<double>(bytes) / 2)).epsilon(0.01));
}

TEST_CASE("simulated direct all-to-all shares each rank's link among its n-1 messages", "[unit][sim]") {
  const int n = GENERATE(2, 8, 72);
  const size_t bytes = size_t{4} * 72 * 4096;  // what each rank sends in all, S/n to each rank
  const double want = kLatencyUs + (n - 1) * (static_cast<double>(bytes) / n) / (kGBps * 1e3);
  CHECK(simulatedUs(uniform(), n, Collective::kAllToAll, bytes, "") == Approx(want).epsilon(0.01));
}

TEST_CASE("two flows crossing one link each get half its rate", "[unit][sim]") {
  // All-gather on 2 ranks: 0 sends 1 its half while 1 sends 0 its half. Rank links far faster
  // than the domain's switch, which both cross: each moves at half the switch's rate.
  FabricFigures f = uniform(kGBps);
  f.scaleUp.linkGBps = 1000 * kGBps;
  const size_t bytes = size_t{1} << 22;
  const double want = kLatencyUs + (static_cast<double>(bytes) / 2) / (kGBps / 2 * 1e3);
  CHECK(simulatedUs(f, 2, Collective::kAllGather, bytes, "ring") == Approx(want).epsilon(0.01));
}

}  // namespace fccl::test
