// Topology files: every shipped file in topologies/ parses, gives the per-hop matrix its layout
// implies (scale-up exactly within a domain) and a ring that crosses each domain boundary once;
// bad files are rejected with a message naming the line or the field.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "topology/hop_choice.h"
#include "harness/topology_rejects.h"
#include "topology/topology_file.h"
#include "topology/topology_ring.h"

#ifndef FCCL_TOPOLOGIES_DIR
#error "FCCL_TOPOLOGIES_DIR must name the shipped topologies"
#endif

namespace fccl::test {
namespace {

struct Shipped {
  const char* file;
  int ranks, hosts, domains;
};

}  // namespace

TEST_CASE("every shipped topology parses and gives the per-hop matrix of its domains", "[unit][topology]") {
  const Shipped shipped = GENERATE(Shipped{"1host-8.json", 8, 1, 1}, Shipped{"2hosts-4-separate.json", 8, 2, 2},
                                   Shipped{"4hosts-2-in-2-domains.json", 8, 4, 2}, Shipped{"trainium-16.json", 16, 1, 1},
                                   Shipped{"nvl72.json", 72, 18, 1}, Shipped{"two-rack.json", 144, 36, 2});
  INFO(shipped.file);
  auto file = loadTopologyFile(std::string(FCCL_TOPOLOGIES_DIR) + "/" + shipped.file);
  REQUIRE(file.isOk());
  CHECK(file->ranks() == shipped.ranks);
  CHECK(static_cast<int>(file->hosts.size()) == shipped.hosts);
  const auto places = placesOf(*file, 1);
  std::set<std::string> domains;
  for (const RankPlace& p : places) domains.insert(p.domainName);
  CHECK(static_cast<int>(domains.size()) == shipped.domains);
  for (int a = 0; a < shipped.ranks; ++a)
    for (int b = 0; b < shipped.ranks; ++b) {
      if (a == b) continue;
      auto hop = chooseHop(places[static_cast<size_t>(a)], places[static_cast<size_t>(b)], b, "");
      REQUIRE(hop.isOk());
      const bool sameDomain = places[static_cast<size_t>(a)].domainName == places[static_cast<size_t>(b)].domainName;
      REQUIRE((hop->fabric == Fabric::kScaleUp) == sameDomain);
    }
  const auto ring = topologyRingOrder(places);
  CHECK(domainCrossings(ring, places) == (shipped.domains > 1 ? shipped.domains : 0));
}

TEST_CASE("a topology file places ranks host by host and gives each a NIC of its host", "[unit][topology]") {
  auto file = loadTopologyFile(std::string(FCCL_TOPOLOGIES_DIR) + "/two-rack.json");
  REQUIRE(file.isOk());
  int local = -1;
  CHECK(file->hostOf(0, &local).name == "rack0-node0");
  CHECK(local == 0);
  CHECK(file->hostOf(75, &local).name == "rack1-node0");
  CHECK(local == 3);
  CHECK(file->hostOf(75).domain == "rack1");
  REQUIRE(file->nicOf(75) != nullptr);
  CHECK(file->nicOf(75)->name == "nic3");
  CHECK(file->nicOf(75)->gbps == 400);
}

TEST_CASE("bad topology files are rejected naming the line or the field", "[unit][topology]") {
  CHECK(rejectedTopology("{\n  \"hosts\": [\n    { \"name\": \"a\", \"ranks\": 2 },\n  ]\n}\n").find("line 4") !=
        std::string::npos);
  CHECK(rejectedTopology("[]").find("(top level): must be an object") != std::string::npos);
  CHECK(rejectedTopology("{}").find("hosts: must be a non-empty array") != std::string::npos);
  CHECK(rejectedTopology(R"({"hosts": [{"name": "a"}]})").find("hosts[0].ranks: missing") != std::string::npos);
  CHECK(rejectedTopology(R"({"hosts": [{"name": "a", "ranks": 0}]})").find("hosts[0].ranks: must be an integer") !=
        std::string::npos);
  CHECK(rejectedTopology(R"({"hosts": [{"name": "a", "ranks": "4"}]})").find("hosts[0].ranks") != std::string::npos);
  CHECK(rejectedTopology(R"({"hosts": [{"name": "a", "ranks": 1}, {"name": "b", "rank": 1}]})").find("hosts[1].rank: unknown field") !=
        std::string::npos);
  CHECK(rejectedTopology(R"({"hosts": [{"name": "a", "ranks": 1}, {"name": "a", "ranks": 1}]})").find("host a twice") !=
        std::string::npos);
  CHECK(rejectedTopology(R"({"hosts": [{"name": "a", "ranks": 1, "nics": [{"name": "x", "gbps": -1}]}]})")
            .find("hosts[0].nics[0].gbps: must be a positive number") != std::string::npos);
  CHECK(rejectedTopology(R"({"hosts": [{"name": "", "ranks": 1}]})").find("hosts[0].name: must be a non-empty string") !=
        std::string::npos);
  CHECK(rejectedTopology(R"({"hosts": [{"name": "a", "count": 2000000, "ranks": 1}]})").find("hosts[0].count") !=
        std::string::npos);
  // Found by tests/fuzz/topology_fuzz: a number no double holds threw out of the parser.
  CHECK(rejectedTopology(R"({"hosts": [{"name": "a", "ranks": 1e999}]})").find("t.json") != std::string::npos);
  CHECK(rejectedTopology("3e800").find("t.json") != std::string::npos);
  auto missing = loadTopologyFile("/nonexistent/topology.json");
  REQUIRE_FALSE(missing.isOk());
  CHECK(missing.status().message().find("cannot be read") != std::string::npos);
}

}  // namespace fccl::test
