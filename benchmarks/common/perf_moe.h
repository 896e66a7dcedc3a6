// The MoE benchmark shared by fccl-perf and mpi-perf (`moe`): the same tokens, routing and
// checks through fcclMoeDispatch/fcclMoeCombine and through MPI_Alltoallv, timed and printed the
// same way, so one run shows both.
//
// Each rank holds `tokens` tokens of `hidden` elements; a router picks `topk` distinct experts of
// `experts` per token, expert e with weight 1/(e+1)^skew (skew 0: uniform; larger: a few hot
// experts), deterministically from (rank, token), so every rank knows what any rank sends.
// Experts lie in contiguous runs over the ranks (e * n / experts). The benchmark's experts are
// the identity: combine sends the received rows back as they are, so token t comes back as
// x[t] times the sum of its weights. Weights are quarters and inputs small integers: every
// result is exact in float, bfloat16 and half, and is checked for equality.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "fccl/fccl.h"
#include "perf_args.h"
#include "perf_buffer.h"
#include "perf_sweep.h"

namespace fccl::perf {

// One size of the sweep on one rank: its inputs and the buffers the calls fill.
struct MoeBuffers {
  int rank = 0, nranks = 1;
  size_t tokens = 0, hidden = 0;
  int topk = 0, experts = 0;
  fcclDataType_t type = fcclFloat32;
  std::vector<int32_t> expertToRank;
  std::vector<int32_t> ids;      // [tokens * topk]
  std::vector<float> weights;    // [tokens * topk]
  AlignedBuffer input{0};        // [tokens x hidden]
  size_t capacity = 0;           // rows `received` holds: exactly what this rank receives
  AlignedBuffer received{0};     // [capacity x hidden], by local expert, then source, then token
  std::vector<size_t> expertCounts;  // rows per local expert, as the dispatch reports them
  AlignedBuffer out{0};          // [tokens x hidden], the combine's result
  size_t rowBytes() const;
};

class MoeRunner {
 public:
  virtual ~MoeRunner() = default;
  virtual std::string title() const = 0;
  // Sends every (token, slot) row to its expert's rank, into b.received and b.expertCounts.
  virtual Outcome dispatch(MoeBuffers& b) = 0;
  // Sends b.received (the identity experts' output) back and sums it per token into b.out.
  virtual Outcome combine(MoeBuffers& b) = 0;
};

// Which types the benchmark takes (float, bfloat16, half); empty when `t` is one.
std::string moeUnsupported(fcclDataType_t t);

// The routing, as every rank can compute it for any rank.
std::vector<int32_t> moeExpertToRank(int experts, int nranks);
std::vector<int32_t> moeExpertIds(int rank, size_t tokens, int topk, int experts, double skew);
double moeTokenValue(int rank, size_t token, size_t h);

// Where a rank's rows go, packed as fccl_moe.h packs them (by destination rank, then its local
// expert, then token order): for an implementation that packs them itself (MPI).
struct MoePacking {
  std::vector<uint64_t> rowsPerExpert;  // [experts]
  std::vector<int64_t> sendRow;         // [tokens * topk], -1 never (the benchmark drops none)
  std::vector<size_t> rowsTo;           // [nranks]
};
MoePacking moePacking(const MoeBuffers& b);

// out[t] = sum over slots of weights * rows[sendRow], in float, rounded to b.type.
void moeWeightedSum(const MoeBuffers& b, const std::vector<int64_t>& sendRow, const char* rows);

// The sweep: every type of `o` and every size (tokens = size / (hidden x type size), or
// --tokens); dispatch and combine times, their GB/s (the rows a rank sends, per second) and
// #wrong; rank 0 prints to `out`.
Outcome runMoeSweep(const Options& o, MoeRunner& runner, ControlPlane& control, std::FILE* out, int64_t& wrong);

}  // namespace fccl::perf
