// MoE routing: where each (token, slot) of a rank goes, how rows are packed on both sides, and
// the blocks of the all-to-allv that moves them (block_layout.h). Pure: no I/O, no waiting.
//
// A rank's local experts are the experts the map gives it, in increasing id order. Rows travel
// one per (token, slot) whose expert id is not -1:
//   - the sender packs them by destination rank, then by the destination's local expert, then
//     in token (and slot) order, so that each block is one span, cut into one piece per local
//     expert of its destination;
//   - the receiver lays them out by local expert, then by source rank, then in the source's
//     order: each expert's rows are one span, and each piece lands straight in its place.
// A combine sends the same pieces back (reversed()), into the sender's packed order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "algorithms/exchange/block_layout.h"
#include "common/expected.h"

namespace fccl {

// What every rank of a MoE call must agree on, apart from its own tokens.
struct MoeShape {
  size_t hidden = 0;      // elements per row
  int topk = 0;           // expert slots per token
  int dtype = 0;          // the rows' element type (an fcclDataType_t)
  std::vector<int32_t> expertToRank;
  int numExperts() const { return static_cast<int>(expertToRank.size()); }
};

// A hash of the shape (FNV-1a): ranks that disagree on it cannot exchange rows.
uint64_t shapeHash(const MoeShape& shape);

// Every entry of the map a rank of `nranks`, and at least one expert.
Status checkExpertMap(std::span<const int32_t> expertToRank, int nranks);
// The local experts of `rank`, ascending.
std::vector<int> localExperts(std::span<const int32_t> expertToRank, int rank);

// One rank's tokens, routed.
struct MoeRoute {
  std::vector<uint64_t> rowsPerExpert;  // [numExperts]: rows this rank sends each expert
  std::vector<int64_t> sendRow;         // [numTokens * topk]: the packed row of (t, k); -1 dropped
  size_t sendRows = 0;
};

// Routes `numTokens` tokens of `topk` ids each. Fails on an id outside [-1, numExperts), naming
// the token, the slot and the id.
Expected<MoeRoute> routeTokens(std::span<const int32_t> expertIds, size_t numTokens, const MoeShape& shape, int nranks);

// The job's MoE exchange as `rank` sees it once every rank's rowsPerExpert is known
// (rows[src * numExperts + e]).
struct MoeExchange {
  BlockLayout dispatch;               // in elements (rows x hidden); the combine is reversed(dispatch)
  std::vector<size_t> recvRowsOf;     // [nranks]: rows each rank receives
  std::vector<size_t> expertRows;     // this rank's local experts: rows each receives
};

// Fails (kInvalidArgument) when a rank's rows, or their elements, overflow a size.
Expected<MoeExchange> moeExchange(int rank, int nranks, std::span<const uint64_t> rows, const MoeShape& shape);

}  // namespace fccl
