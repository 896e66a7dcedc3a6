// What one row of the table runs: the sweep of sizes, the element counts each collective gets
// for a size, and the bandwidth formulas, all as nccl-tests defines them.
#pragma once

#include <cstddef>
#include <vector>

#include "perf_args.h"
#include "perf_types.h"

namespace fccl::perf {

// Alltoallv's per-peer blocks, in elements: sendCounts[j] elements from sendDispls[j] go to rank
// j; recvCounts[i] elements from rank i land at recvDispls[i]. Blocks are packed in rank order.
struct PeerBlocks {
  std::vector<size_t> sendCounts, sendDispls, recvCounts, recvDispls;
};

struct SizePlan {
  size_t paramCount;  // the count passed to the call (per rank for all but allreduce; alltoallv: c below)
  size_t sendCount;   // elements each rank sends
  size_t recvCount;   // elements each rank receives
  // In place, both live in one buffer: the send data starts sendInPlaceOffset elements into
  // it, the result recvInPlaceOffset elements (allgather: our part; reducescatter: our block).
  size_t sendInPlaceOffset;
  size_t recvInPlaceOffset;
  // The size column: max(send, recv) bytes, i.e. allreduce, broadcast, reduce and sendrecv
  // count*typesize, allgather the bytes received, reducescatter, alltoall and alltoallv the bytes sent.
  size_t rowBytes;
  PeerBlocks blocks{};  // alltoallv only
};

// Element counts for a nominal `bytes`, rounded down so per-rank counts are whole. `skew` is -k.
SizePlan planForBytes(Collective c, size_t bytes, size_t typeSize, int nranks, int rank, double skew = 0);

// Alltoallv with skew F over n ranks, where c is alltoall's per-peer count for the same size:
//   rank i sends rank j  floor(c * w(i, j) / (1 + F/2)),  w(i, j) = 1 + F * ((i + j) mod n) / (n - 1)
// (w = 1 when n = 1). Over j, (i + j) mod n takes every value 0..n-1 once, so every rank's weights
// are the same set with mean 1 + F/2: the counts sum to at most n*c (the nominal size), the largest
// is (1+F) x the smallest and 2(1+F)/(2+F) x the mean, and F = 0 gives alltoall's counts. w is
// symmetric, so what rank i sends rank j equals what j sends i: a rank receives the same counts it
// sends, in the same layout, which is what an in-place alltoallv requires.
size_t allToAllvCount(size_t c, double skew, int from, int to, int nranks);
// `rank`'s blocks of that alltoallv.
PeerBlocks allToAllvBlocks(size_t c, double skew, int nranks, int rank);

// minBytes, then *stepFactor (when > 1) or +stepBytes, while <= maxBytes.
std::vector<size_t> sweepSizes(const Options& o);

// nccl-tests' bus bandwidth factors: allreduce 2(n-1)/n; broadcast, reduce and sendrecv 1; the others
// (n-1)/n. Alltoallv's row is the bytes it actually sends, so its busbw is alltoall's formula on them.
double busBwFactor(Collective c, int nranks);
// Algorithm bandwidth in GB/s (1e9 bytes): the row's bytes over the time per call.
double algBwGBs(size_t rowBytes, double seconds);

}  // namespace fccl::perf
