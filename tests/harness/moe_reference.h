// The tests' own model of a MoE layer's dispatch and combine, sharing no code with the library:
// each rank's tokens, expert ids and weights (deterministic, so every rank can tell what any
// other rank holds), what each rank must receive, in the order fccl_moe.h promises, and what
// combine must give back once every expert has applied expertFunction().
//
// Values are small integers and weights quarters, so every row, expert output and weighted sum
// is exact in float, bfloat16 and half: results compare for equality.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "fccl/fccl.h"

namespace fccl::test {

enum class Routing {
  kRandom,     // each slot a random expert, some slots dropped (-1)
  kOneExpert,  // every token's first slot to one expert; other slots random
  kSameRank,   // every slot to an expert of one rank (two of them when topk > 1)
};

struct MoeCase {
  int nranks = 1;
  size_t hidden = 1;
  int topk = 1;
  fcclDataType_t type = fcclFloat32;
  std::vector<int32_t> expertToRank;  // its size is the number of experts
  std::vector<size_t> tokens;         // per rank
  Routing routing = Routing::kRandom;
  uint32_t seed = 1;
  int numExperts() const { return static_cast<int>(expertToRank.size()); }
};

// Experts spread over ranks in contiguous runs (e * n / E), or round robin (e % n).
std::vector<int32_t> contiguousExperts(int experts, int nranks);
std::vector<int32_t> roundRobinExperts(int experts, int nranks);

// Rank r's inputs: element h of token t, the ids and weights of its slots.
double tokenValue(int rank, size_t t, size_t h);
std::vector<int32_t> expertIds(const MoeCase& c, int rank);
std::vector<float> weights(const MoeCase& c, int rank);

// What an expert does to a row here: adds its id to each element.
double expertFunction(int expert, double x);

struct ReceivedRow {
  int expert;
  int source;
  size_t token;
};
// The rows rank r receives, in order: by local expert, then source rank, then token and slot.
std::vector<ReceivedRow> expectedRows(const MoeCase& c, int rank);
// Rows per local expert of rank r.
std::vector<size_t> expectedExpertCounts(const MoeCase& c, int rank);
// Element h of token t of rank r after combine.
double combinedValue(const MoeCase& c, int rank, size_t t, size_t h);

}  // namespace fccl::test
