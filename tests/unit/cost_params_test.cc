// The tuner's figures: the calibration file's format (what it accepts, what it refuses and how
// the refusal reads), its round trip through formatCostParams, and the flat array the ranks
// agree on.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "tuner/cost_params.h"

namespace fccl::test {

TEST_CASE("a calibration file sets the figures it names and keeps the defaults of the others", "[unit][tuner]") {
  auto params = parseCostParams("# measured\nscaleup.simple.gbps 12.5\n\n  scaleout.latency_us\t7  # comment\n", "t.conf");
  REQUIRE(params.isOk());
  CHECK(params->scaleUp[static_cast<int>(Proto::kSimple)].gbps == 12.5);
  CHECK(params->scaleOut.latencyUs == 7);
  CHECK(params->reduceGbps == CostParams::defaults().reduceGbps);
  CHECK(params->source == "t.conf");
  auto message = parseCostParams("scaleout.message_bytes 65536\n", "m.conf");
  REQUIRE(message.isOk());
  CHECK(message->scaleOutMessageBytes == 65536);
  CHECK(CostParams::defaults().scaleOutMessageBytes == 128 * 1024);
}

TEST_CASE("a malformed calibration file is refused naming the file, the line and the key", "[unit][tuner]") {
  struct Case {
    const char* text;
    const char* says;
  };
  const Case cases[] = {
      {"scaleup.simple.gbps 1\nbogus.key 3\n", "t.conf:2: unknown key 'bogus.key'"},
      {"reduce.gbps\n", "t.conf:1: expected `key value`"},
      {"reduce.gbps fast\n", "t.conf:1: reduce.gbps must be a positive number, got 'fast'"},
      {"reduce.gbps -2\n", "must be a positive number"},
      {"reduce.gbps 0\n", "must be a positive number"},
      {"reduce.gbps inf\n", "must be a positive number"},
      {"reduce.gbps 1e999\n", "must be a positive number"},
      {"copy.gbps 3\ncopy.gbps 4\n", "t.conf:2: key 'copy.gbps' given twice"},
  };
  for (const Case& c : cases) {
    auto params = parseCostParams(c.text, "t.conf");
    INFO(c.text);
    REQUIRE_FALSE(params.isOk());
    CHECK_THAT(params.status().message(), Catch::Contains(c.says));
  }
  CHECK_FALSE(loadCostParams("/nonexistent/tuner.conf").isOk());
}

TEST_CASE("what formatCostParams writes parses back to the same figures", "[unit][tuner]") {
  CostParams p = CostParams::defaults();
  p.scaleUp[0] = {0.37, 1.25};
  p.scaleOut = {41.5, 0.875};
  p.multicast.gbps = 17;
  const std::string text = formatCostParams(p, "written by a test\nsecond line");
  CHECK_THAT(text, Catch::StartsWith("# written by a test\n# second line\n"));
  auto back = parseCostParams(text, "x");
  REQUIRE(back.isOk());
  double a[kCostFigureCount], b[kCostFigureCount];
  toFigures(p, a);
  toFigures(*back, b);
  for (size_t i = 0; i < kCostFigureCount; ++i) CHECK(a[i] == Approx(b[i]));
}

TEST_CASE("figures from a peer are checked before they are used", "[unit][tuner]") {
  double figures[kCostFigureCount];
  toFigures(CostParams::defaults(), figures);
  REQUIRE(fromFigures(figures, "rank 0").isOk());
  figures[3] = std::nan("");
  CHECK_FALSE(fromFigures(figures, "rank 0").isOk());
  figures[3] = -1;
  auto bad = fromFigures(figures, "rank 0");
  REQUIRE_FALSE(bad.isOk());
  CHECK_THAT(bad.status().message(), Catch::Contains("rank 0: scaleup.simple.gbps"));
}

}  // namespace fccl::test
