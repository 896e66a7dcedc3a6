// The data each rank sends and the result each rank must receive.
//
// Every input is a small integer (0..8) from a hash of (rank, index), shaped per op so that every
// partial result any algorithm can form (any subset of ranks, in any order) is exact in every
// type, fp8 e5m2 included (exact integers 0..8, then only even ones):
//   sum, avg  only a window of min(n, 4) ranks, rotating with the index, contributes 1 or 2; the
//             others contribute 0, so partial sums stay within 0..8.
//   prod      the same window contributes 1 or 2, the others 1: partial products are 1..16,
//             powers of two.
//   max, min  and the collectives without reduction: 0..8 from every rank.
// Avg on integer types is the truncated quotient (as NCCL). On floating types it is exact when n
// is a power of two; otherwise the 1/n scaling itself rounds (NCCL pre-multiplies by 1/n), so the
// check allows a few units in the last place there and only there.
#pragma once

#include <cstddef>
#include <cstdint>

#include "fccl/fccl.h"
#include "perf_types.h"

namespace fccl::perf {

struct DataSpec {
  Collective coll;
  fcclDataType_t type;
  fcclRedOp_t op;  // ignored unless hasReduction(coll)
  int nranks;
  int root = 0;     // broadcast: whose input everyone receives; reduce: the only rank checked
  double skew = 0;  // alltoallv: -k, which with paramCount gives the blocks (perf_sizes.h)
};

// What `rank` holds at `index` of its send buffer.
int inputValue(const DataSpec& s, int rank, size_t index);
// The reduction over all ranks of inputValue(r, index), as a double.
double reducedValue(const DataSpec& s, size_t index);
// What `rank` must find at `index` of its result when the call was given `paramCount` (alltoallv:
// the count c its blocks are skewed from; this form recomputes them, countWrong does it once).
double expectedOutput(const DataSpec& s, int rank, size_t index, size_t paramCount);
// How far a result may be from `expected` and still count as right (0 but for avg, see above).
double tolerance(const DataSpec& s, double expected);

// Element access for every fccl type, through doubles (exact for the values used here).
double loadElement(fcclDataType_t t, const void* buffer, size_t index);
void storeElement(fcclDataType_t t, void* buffer, size_t index, double value);

// Writes inputValue(rank, i) to elements [0, count) of `buffer`.
void fillInput(const DataSpec& s, int rank, void* buffer, size_t count);
// Counts the elements in [0, count) of `result` that are not expectedOutput(rank, i); always 0
// for reduce on a rank other than the root (its recvbuff is not written).
size_t countWrong(const DataSpec& s, int rank, const void* result, size_t count, size_t paramCount);

}  // namespace fccl::perf
