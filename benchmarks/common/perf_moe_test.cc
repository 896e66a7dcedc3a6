// The MoE benchmark's flags, routing and packing: what both tools rely on to send the same data.
#include "perf_moe.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

using namespace fccl::perf;

TEST_CASE("moe flags are read and checked", "[unit][perf][moe]") {
  const ParseResult r = parseArgs({"moe", "--tokens", "512", "--hidden=1024", "--topk", "4", "--experts", "16", "-k", "1.5"});
  REQUIRE(r.options);
  CHECK(r.options->collective == Collective::kMoe);
  CHECK(r.options->tokens == 512);
  CHECK(r.options->hidden == 1024);
  CHECK(r.options->topk == 4);
  CHECK(r.options->experts == 16);
  CHECK(r.options->skew == 1.5);
  CHECK(parseArgs({"moe", "--topk", "9"}).error == "--topk (9) is larger than --experts (8): a token picks distinct experts");
  CHECK(parseArgs({"moe", "--hidden", "0"}).error.find("--hidden") != std::string::npos);
  CHECK_FALSE(moeUnsupported(fcclInt32).empty());
  CHECK(moeUnsupported(fcclBfloat16).empty());
}

TEST_CASE("moe routing picks distinct experts per token, the same on every call, hot ones under skew",
          "[unit][perf][moe]") {
  const auto ids = moeExpertIds(3, 2000, 2, 8, 0);
  REQUIRE(ids.size() == 4000);
  CHECK(ids == moeExpertIds(3, 2000, 2, 8, 0));
  for (size_t t = 0; t < 2000; ++t) CHECK(ids[2 * t] != ids[2 * t + 1]);
  std::vector<size_t> uniform(8), skewed(8);
  for (int32_t id : ids) ++uniform[static_cast<size_t>(id)];
  for (int32_t id : moeExpertIds(3, 2000, 2, 8, 2)) ++skewed[static_cast<size_t>(id)];
  CHECK(*std::min_element(uniform.begin(), uniform.end()) > 350);  // about 500 each
  CHECK(skewed[0] > 3 * skewed[7]);
  CHECK(moeExpertToRank(8, 3) == std::vector<int32_t>{0, 0, 0, 1, 1, 1, 2, 2});
}

TEST_CASE("moe packing puts rows by destination rank, its experts, then token order", "[unit][perf][moe]") {
  MoeBuffers b;
  b.rank = 0;
  b.nranks = 2;
  b.tokens = 3;
  b.topk = 2;
  b.experts = 4;
  b.expertToRank = moeExpertToRank(4, 2);  // 0, 0, 1, 1
  b.ids = {3, 0, 1, 2, 0, 3};
  const MoePacking p = moePacking(b);
  CHECK(p.rowsPerExpert == std::vector<uint64_t>{2, 1, 1, 2});
  CHECK(p.rowsTo == std::vector<size_t>{3, 3});
  CHECK(p.sendRow == std::vector<int64_t>{4, 0, 2, 3, 1, 5});
  std::set<int64_t> rows(p.sendRow.begin(), p.sendRow.end());
  CHECK(rows.size() == 6);
}
