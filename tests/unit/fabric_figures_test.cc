// The "fabric" section of topology files: figures are read with their defaults, written back as
// they were read, and every malformed field is rejected naming the file, the field and its line;
// the line of a field is found in the text, even for a field that is missing (its parent's).
#include <catch2/catch.hpp>

#include <string>

#include "topology/json_lines.h"
#include "harness/topology_rejects.h"
#include "topology/topology_file.h"

namespace fccl::test {
namespace {

std::string withFabric(const std::string& fabric) {
  return "{\n  \"hosts\": [ { \"name\": \"a\", \"ranks\": 4 } ],\n  \"fabric\": " + fabric + "\n}\n";
}

const char* kGood = R"({
    "scaleup": { "link_GBps": 900, "latency_us": 1 },
    "device": { "reduce_GBps": 2700, "copy_GBps": 4000 },
    "sources": { "scaleup.link_GBps": "a datasheet" }
  })";

}  // namespace

TEST_CASE("a fabric section is read with its defaults and written back alike", "[unit][topology]") {
  auto file = parseTopology(withFabric(kGood), "t.json");
  REQUIRE(file.isOk());
  REQUIRE(file->fabric);
  const FabricFigures& f = *file->fabric;
  CHECK(f.scaleUp.shape == ScaleUpShape::kSwitch);
  CHECK(f.scaleUp.linkGBps == 900);
  CHECK(f.scaleUp.channelGBps == 0);
  CHECK(f.device.copyGBps == 4000);
  CHECK_FALSE(f.nvls);
  CHECK_FALSE(f.scaleOut);
  CHECK(f.sources.at("scaleup.link_GBps") == "a datasheet");
  auto again = parseTopology(withFabric(fabricJson(f).dump()), "u.json");
  REQUIRE(again.isOk());
  CHECK(fabricJson(*again->fabric) == fabricJson(f));
}

TEST_CASE("a file without a fabric section still parses, as before", "[unit][topology]") {
  auto file = parseTopology(R"({"hosts": [{"name": "a", "ranks": 2}]})", "t.json");
  REQUIRE(file.isOk());
  CHECK_FALSE(file->fabric);
}

TEST_CASE("malformed fabric figures are rejected naming the file, the field and its line", "[unit][topology]") {
  CHECK(rejectedTopology(withFabric(R"({
    "scaleup": { "link_GBps": -3, "latency_us": 1 },
    "device": { "reduce_GBps": 1, "copy_GBps": 1 } })")) ==
        "topology file t.json: fabric.scaleup.link_GBps: must be a positive number (line 4)");
  CHECK(rejectedTopology(withFabric(R"({
    "scaleup": { "latency_us": 1 },
    "device": { "reduce_GBps": 1, "copy_GBps": 1 } })")) ==
        "topology file t.json: fabric.scaleup.link_GBps: missing (line 4)");
  CHECK(rejectedTopology(withFabric(R"({ "scaleup": { "link_GBps": 1, "latency_us": 1 } })"))
            .find("fabric.device: missing (line 3)") != std::string::npos);
  CHECK(rejectedTopology(withFabric(R"({ "scaleup": { "link_GBps": 1, "latency_us": 1, "shape": "mesh" },
    "device": { "reduce_GBps": 1, "copy_GBps": 1 } })"))
            .find("fabric.scaleup.shape: must be \"switch\", \"ring\" or \"torus\"") != std::string::npos);
  CHECK(rejectedTopology(withFabric(R"({ "scaleup": { "link_GBps": 1, "latency_us": 1, "shape": "torus", "dims": [4, 1] },
    "device": { "reduce_GBps": 1, "copy_GBps": 1 } })"))
            .find("fabric.scaleup.dims[1]: must be an integer of at least 2") != std::string::npos);
  CHECK(rejectedTopology(withFabric(R"({ "scaleup": { "link_GBps": 1, "latency_us": 1 },
    "device": { "reduce_GBps": 1, "copy_GBps": 1 },
    "scaleout": { "latency_us": 5, "oversubscription": "2:1" } })"))
            .find("fabric.scaleout.oversubscription: must be a positive number (line 5)") != std::string::npos);
  CHECK(rejectedTopology(withFabric(R"({ "scaleup": { "link_GBps": 1, "latency_us": 1, "speed": 3 },
    "device": { "reduce_GBps": 1, "copy_GBps": 1 } })"))
            .find("fabric.scaleup.speed: unknown field (line 3)") != std::string::npos);
  // Two domains need a scale-out fabric to join them.
  CHECK(rejectedTopology(R"({"hosts": [{"name": "a", "ranks": 1}, {"name": "b", "ranks": 1}],
    "fabric": { "scaleup": { "link_GBps": 1, "latency_us": 1 }, "device": { "reduce_GBps": 1, "copy_GBps": 1 } } })")
            .find("fabric.scaleout: missing, and the file has 2 scale-up domains") != std::string::npos);
}

TEST_CASE("the line of a field is where its value begins, or its nearest parent's", "[unit][topology]") {
  const std::string text = "{\n \"a\": [\n  {\"b\": 1},\n  {\"b\": 2,\n   \"c\": {\"d\": \"x,y\"}}\n ],\n \"e\": 3\n}\n";
  CHECK(lineOfField(text, "a") == 2);
  CHECK(lineOfField(text, "a[0].b") == 3);
  CHECK(lineOfField(text, "a[1].b") == 4);
  CHECK(lineOfField(text, "a[1].c.d") == 5);
  CHECK(lineOfField(text, "e") == 7);
  CHECK(lineOfField(text, "a[1].missing") == 4);
  CHECK(lineOfField(text, "nothing") == 1);
}

}  // namespace fccl::test
