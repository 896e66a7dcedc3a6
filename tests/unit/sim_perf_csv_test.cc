// fccl-sim reads fccl-perf's --csv files back for calibration: the columns by name, and every
// malformed row rejected naming the file, the line and the field.
#include <catch2/catch.hpp>

#include <string>

#include "tools/fccl-sim/perf_csv.h"

namespace fccl::test {
namespace {

const std::string kHeader =
    "collective,nranks,size_bytes,count,type,redop,root,placement,time_us,algbw_GBps,busbw_GBps,wrong\n";

std::string rejected(const std::string& text) {
  auto points = sim::parsePerfCsv(text, "m.csv");
  if (points.isOk()) return "accepted";
  return points.status().message();
}

}  // namespace

TEST_CASE("an fccl-perf CSV is read row by row", "[unit][sim]") {
  auto points = sim::parsePerfCsv(kHeader + "allreduce,4,65536,16384,float,sum,-1,out-of-place,51.250,1.2787,1.9181,0\n" +
                                      "allreduce,4,65536,16384,float,sum,-1,in-place,49.000,1.3374,2.0062,0\n",
                                  "m.csv");
  REQUIRE(points.isOk());
  REQUIRE(points->size() == 2);
  CHECK((*points)[0].collective == "allreduce");
  CHECK((*points)[0].nranks == 4);
  CHECK((*points)[0].bytes == 65536);
  CHECK((*points)[0].timeUs == 51.25);
  CHECK((*points)[1].placement == "in-place");
  CHECK((*points)[1].where == "m.csv:3");
}

TEST_CASE("malformed CSV rows are rejected naming the file, the line and the field", "[unit][sim]") {
  CHECK(rejected(kHeader + "allreduce,4,65536,16384,float,sum,-1,out-of-place,fast,1,1,0\n") ==
        "m.csv:2: field time_us: 'fast' is not a number");
  CHECK(rejected(kHeader + "allreduce,4,65536\n") == "m.csv:2: field placement: missing: the line has 3 fields");
  CHECK(rejected(kHeader + "\nallreduce,two,65536,1,float,sum,-1,out-of-place,5,1,1,0\n") ==
        "m.csv:3: field nranks: 'two' is not a number");
  CHECK(rejected(kHeader + "allreduce,4,65536,1,float,sum,-1,out-of-place,-5,1,1,0\n") ==
        "m.csv:2: field time_us: must be a positive time");
  CHECK(rejected("size,time\n1,2\n").find("m.csv:1: field collective: missing from the header") == 0);
  CHECK(rejected("") == "m.csv:1: empty file, no header");
  CHECK(sim::readPerfCsv("/nonexistent/m.csv").status().message() == "/nonexistent/m.csv: cannot be read");
}

}  // namespace fccl::test
