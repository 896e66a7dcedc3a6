// MoE routing, worked out by hand on small jobs: the packed order of a rank's rows, the pieces
// and places of the exchange's blocks, the checks of ids and maps, and sizes that overflow.
#include <catch2/catch.hpp>

#include <limits>

#include "algorithms/moe/moe_routing.h"

namespace fccl::test {
namespace {

// 4 experts on 2 ranks: experts 0 and 2 on rank 0, 1 and 3 on rank 1 (round robin).
MoeShape shape(size_t hidden = 1) { return MoeShape{hidden, 2, 7, {0, 1, 0, 1}}; }

}  // namespace

TEST_CASE("moe routing packs rows by destination rank, then its local expert, then token order", "[unit][moe]") {
  // Tokens: 0 -> experts {3, 0}, 1 -> {2, -1}, 2 -> {0, 1}.
  const std::vector<int32_t> ids{3, 0, 2, -1, 0, 1};
  auto route = routeTokens(ids, 3, shape(), 2);
  REQUIRE(route.isOk());
  CHECK(route->rowsPerExpert == std::vector<uint64_t>{2, 1, 1, 1});
  CHECK(route->sendRows == 5);
  // Rank 0's experts first (0: tokens 0 and 2; 2: token 1), then rank 1's (1: token 2; 3: token 0).
  CHECK(route->sendRow == std::vector<int64_t>{4, 0, 2, -1, 1, 3});
}

TEST_CASE("moe routing names the token, slot and id of an expert id out of range", "[unit][moe]") {
  auto high = routeTokens(std::vector<int32_t>{0, 1, 4, 0}, 2, shape(), 2);
  REQUIRE_FALSE(high.isOk());
  CHECK(high.status().message() == "expertIds[2] (token 1, slot 0) is 4, must be -1 (dropped) or an expert in [0, 4)");
  auto low = routeTokens(std::vector<int32_t>{-2, 1}, 1, shape(), 2);
  REQUIRE_FALSE(low.isOk());
  CHECK(low.status().code() == Code::kInvalidArgument);
}

TEST_CASE("an expert map must name a rank for every expert", "[unit][moe]") {
  CHECK(checkExpertMap(std::vector<int32_t>{0, 1, 1}, 2).isOk());
  CHECK(checkExpertMap(std::vector<int32_t>{0, 2}, 2).message() == "expertToRank[1] is 2, must be a rank in [0, 2)");
  CHECK(checkExpertMap(std::vector<int32_t>{-1}, 2).code() == Code::kInvalidArgument);
  CHECK(checkExpertMap(std::vector<int32_t>{}, 2).code() == Code::kInvalidArgument);
  CHECK(localExperts(std::vector<int32_t>{1, 0, 1, 1}, 1) == std::vector<int>{0, 2, 3});
}

TEST_CASE("moe exchange cuts blocks by the destination's experts and lays rows out by expert, then source",
          "[unit][moe]") {
  // rows[src * 4 + e]: rank 0 sends experts 0..3 {2, 1, 1, 1}; rank 1 sends {3, 0, 2, 4}.
  const std::vector<uint64_t> rows{2, 1, 1, 1, 3, 0, 2, 4};
  const size_t hidden = 10;
  auto x0 = moeExchange(0, 2, rows, shape(hidden));
  REQUIRE(x0.isOk());
  // Block (1 -> 0): rank 0's experts 0 and 2: 3 and 2 rows.
  CHECK(x0->dispatch.piecesOf(1, 0) == std::vector<size_t>{30, 20});
  CHECK(x0->dispatch.piecesOf(0, 1) == std::vector<size_t>{10, 10});
  CHECK(x0->recvRowsOf == std::vector<size_t>{8, 6});
  CHECK(x0->expertRows == std::vector<size_t>{5, 3});
  // Rank 0 receives expert 0 (rank 0's 2 rows, then rank 1's 3), then expert 2 (1, then 2).
  CHECK(x0->dispatch.recvOffsets[0] == std::vector<size_t>{0, 50});
  CHECK(x0->dispatch.recvOffsets[1] == std::vector<size_t>{20, 60});
  // Rank 0 sends from its packed rows: to itself experts 0, 2 (rows 0 and 2), to rank 1 experts
  // 1, 3 (rows 3 and 4).
  CHECK(x0->dispatch.sendOffsets[0] == std::vector<size_t>{0, 20});
  CHECK(x0->dispatch.sendOffsets[1] == std::vector<size_t>{30, 40});
  auto x1 = moeExchange(1, 2, rows, shape(hidden));
  REQUIRE(x1.isOk());
  CHECK(x1->expertRows == std::vector<size_t>{1, 5});
  CHECK(x1->dispatch.recvOffsets[1] == std::vector<size_t>{10, 20});  // each after rank 0's one row
  // The combine sends the same pieces back.
  const BlockLayout back = reversed(x0->dispatch);
  CHECK(back.piecesOf(0, 1) == std::vector<size_t>{30, 20});
  CHECK(back.sendOffsets[1] == std::vector<size_t>{20, 60});
}

TEST_CASE("moe exchange refuses row counts whose sizes overflow", "[unit][moe]") {
  const uint64_t huge = std::numeric_limits<uint64_t>::max() / 4;
  const std::vector<uint64_t> rows{huge, 0, 0, 0, huge, 0, 0, 0};
  auto x = moeExchange(0, 2, rows, shape(8));
  REQUIRE_FALSE(x.isOk());
  CHECK(x.status().code() == Code::kInvalidArgument);
}

TEST_CASE("the moe shape hash tells apart every field the ranks must agree on", "[unit][moe]") {
  const uint64_t base = shapeHash(shape());
  MoeShape other = shape();
  other.hidden = 2;
  CHECK(shapeHash(other) != base);
  other = shape();
  other.topk = 1;
  CHECK(shapeHash(other) != base);
  other = shape();
  other.dtype = 9;
  CHECK(shapeHash(other) != base);
  other = shape();
  other.expertToRank = {1, 0, 0, 1};
  CHECK(shapeHash(other) != base);
  CHECK(shapeHash(shape()) == base);
}

}  // namespace fccl::test
