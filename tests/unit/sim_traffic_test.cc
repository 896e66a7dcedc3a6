// One source of truth: for the same call, the bytes every simulated rank sends over each fabric
// are the bytes the real executor moves. Real ranks run the call (forked processes, shared
// memory and the scale-out net on loopback) and log their connectors' traffic counters when
// their communicator goes (INFO: "rank N traffic: X bytes sent over scale-up, Y over
// scale-out"); fccl-sim plans and walks the same call on the same places, and the counts must
// agree rank by rank.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "common/log.h"
#include "harness/comm_fixture.h"
#include "tools/fccl-sim/child_run.h"
#include "tools/fccl-sim/simulation.h"

#ifndef FCCL_TOPOLOGIES_DIR
#error "FCCL_TOPOLOGIES_DIR must name the shipped topologies"
#endif

namespace fccl::test {
namespace {

using Traffic = std::map<int, std::pair<uint64_t, uint64_t>>;  // rank -> (scale-up, scale-out) bytes

// Runs `collective` of `count` floats on `n` real ranks and returns what their counters logged.
Traffic measured(int n, Collective collective, size_t count) {
  char dir[] = "/tmp/fccl-sim-traffic-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  const std::string log = std::string(dir) + "/ranks.log";
  setenv("FCCL_DEBUG", "INFO", 1);
  setenv("FCCL_DEBUG_SUBSYS", "INIT", 1);
  setenv("FCCL_DEBUG_FILE", log.c_str(), 1);
  reloadLogConfig();  // the ranks inherit the open log
  runOnComms(
      n,
      [&](fcclComm_t comm, int) -> std::string {
        const bool perRank = collective == Collective::kAllGather || collective == Collective::kReduceScatter;
        std::vector<float> in(perRank && collective == Collective::kReduceScatter ? count * n : count, 1.0f);
        std::vector<float> out(perRank && collective == Collective::kAllGather ? count * n : count);
        if (collective == Collective::kAllReduce)
          FCCL_TEST_CALL(fcclAllReduce(in.data(), out.data(), count, fcclFloat32, fcclSum, comm, nullptr));
        if (collective == Collective::kAllGather)
          FCCL_TEST_CALL(fcclAllGather(in.data(), out.data(), count, fcclFloat32, comm, nullptr));
        if (collective == Collective::kReduceScatter)
          FCCL_TEST_CALL(fcclReduceScatter(in.data(), out.data(), count, fcclFloat32, fcclSum, comm, nullptr));
        return "";
      },
      std::chrono::seconds(120));
  unsetenv("FCCL_DEBUG_FILE");
  setenv("FCCL_DEBUG", "WARN", 1);
  reloadLogConfig();
  Traffic traffic;
  std::ifstream in(log);
  const std::regex line(R"(rank (\d+) traffic: (\d+) bytes sent over scale-up, (\d+) over scale-out)");
  for (std::string text; std::getline(in, text);) {
    std::smatch m;
    if (std::regex_search(text, m, line)) traffic[std::stoi(m[1])] = {std::stoull(m[2]), std::stoull(m[3])};
  }
  std::remove(log.c_str());
  rmdir(dir);
  return traffic;
}

// The same call simulated on the same places, with the settings the ranks read.
Traffic simulated(const TopologyFile& places, Collective collective, size_t count) {
  auto text = sim::runInChild([&]() -> Expected<std::string> {
    TopologyFile file = places;
    FabricFigures figures;
    figures.scaleUp = {ScaleUpShape::kSwitch, {}, 10, 2, 0, 0};
    figures.device = {10, 10};
    ScaleOutFigures net;
    net.latencyUs = 20;
    net.nicGBps = 1;
    figures.scaleOut = net;
    file.fabric = figures;
    FCCL_ASSIGN_OR_RETURN(sim::Machine machine, sim::Machine::make(file, file.ranks()));
    sim::SimSettings settings;
    FCCL_ASSIGN_OR_RETURN(settings.comm, resolveCommOptions(nullptr));
    FCCL_ASSIGN_OR_RETURN(settings.tunerFigures, costParamsFromEnv());  // what the ranks priced with
    FCCL_ASSIGN_OR_RETURN(auto simulation, sim::Simulation::create(std::move(machine), settings));
    const size_t perRank = collective == Collective::kAllReduce ? 1 : static_cast<size_t>(file.ranks());
    FCCL_ASSIGN_OR_RETURN(sim::CallPlan plan, simulation->choose(collective, count * perRank * sizeof(float)));
    FCCL_ASSIGN_OR_RETURN(sim::CallResult result, simulation->run(plan));
    std::string out;
    for (size_t r = 0; r < result.sentUp.size(); ++r)
      out += std::to_string(result.sentUp[r]) + " " + std::to_string(result.sentOut[r]) + "\n";
    return out;
  });
  INFO((text.isOk() ? "" : text.status().message()));
  REQUIRE(text.isOk());
  Traffic traffic;
  std::istringstream in(*text);
  uint64_t up = 0, out = 0;
  for (int r = 0; in >> up >> out; ++r) traffic[r] = {up, out};
  return traffic;
}

std::string describe(const Traffic& t) {
  std::string out;
  for (const auto& [rank, bytes] : t)
    out += "\n  rank " + std::to_string(rank) + ": " + std::to_string(bytes.first) + " up, " +
           std::to_string(bytes.second) + " out";
  return out;
}

}  // namespace

TEST_CASE("simulated ranks send what the executor sends on one host, ring on two channels", "[unit][sim]") {
  setenv("FCCL_ALGO", "ring", 1);
  setenv("FCCL_NCHANNELS", "2", 1);
  const Collective collective = GENERATE(Collective::kAllReduce, Collective::kAllGather, Collective::kReduceScatter);
  const size_t count = 300001;  // odd: uneven blocks and channel shares
  TopologyFile host;
  host.source = "(one host)";
  host.hosts.push_back(TopoHost{"h", 4, "h", {}});
  const Traffic real = measured(4, collective, count), sim = simulated(host, collective, count);
  INFO("collective " << collectiveName(collective) << "\nexecutor:" << describe(real) << "\nfccl-sim:" << describe(sim));
  REQUIRE(real.size() == 4);
  CHECK(real == sim);
}

TEST_CASE("simulated ranks send what the executor sends in two domains, hierarchical", "[unit][sim]") {
  setenv("FCCL_ALGO", "hier", 1);
  unsetenv("FCCL_NCHANNELS");
  const std::string path = FCCL_TOPOLOGIES_DIR "/4hosts-2-in-2-domains.json";
  setenv("FCCL_TOPO_FILE", path.c_str(), 1);
  const Collective collective = GENERATE(Collective::kAllReduce, Collective::kAllGather, Collective::kReduceScatter);
  const size_t count = 100003;
  auto places = loadTopologyFile(path);
  REQUIRE(places.isOk());
  const Traffic real = measured(8, collective, count), sim = simulated(*places, collective, count);
  INFO("collective " << collectiveName(collective) << "\nexecutor:" << describe(real) << "\nfccl-sim:" << describe(sim));
  REQUIRE(real.size() == 8);
  CHECK(real == sim);
  uint64_t scaleOut = 0;
  for (const auto& [rank, bytes] : real) scaleOut += bytes.second;
  CHECK(scaleOut > 0);  // the domains are joined by the net: the check covers both fabrics
}

}  // namespace fccl::test
