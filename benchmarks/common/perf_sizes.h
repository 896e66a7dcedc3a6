// What one row of the table runs: the sweep of sizes, the element counts each collective gets
// for a size, and the bandwidth formulas, all as nccl-tests defines them.
#pragma once

#include <cstddef>
#include <vector>

#include "perf_args.h"
#include "perf_types.h"

namespace fccl::perf {

struct SizePlan {
  size_t paramCount;  // the count passed to the call (per rank for all but allreduce)
  size_t sendCount;   // elements each rank sends
  size_t recvCount;   // elements each rank receives
  // In place, both live in one buffer: the send data starts sendInPlaceOffset elements into
  // it, the result recvInPlaceOffset elements (allgather: our part; reducescatter: our block).
  size_t sendInPlaceOffset;
  size_t recvInPlaceOffset;
  // The size column: max(send, recv) bytes, i.e. allreduce, broadcast and reduce count*typesize,
  // allgather the bytes received, reducescatter and alltoall the bytes sent.
  size_t rowBytes;
};

// Element counts for a nominal `bytes`, rounded down so per-rank counts are whole.
SizePlan planForBytes(Collective c, size_t bytes, size_t typeSize, int nranks, int rank);

// minBytes, then *stepFactor (when > 1) or +stepBytes, while <= maxBytes.
std::vector<size_t> sweepSizes(const Options& o);

// nccl-tests' bus bandwidth factors: allreduce 2(n-1)/n; broadcast and reduce 1; the others (n-1)/n.
double busBwFactor(Collective c, int nranks);
// Algorithm bandwidth in GB/s (1e9 bytes): the row's bytes over the time per call.
double algBwGBs(size_t rowBytes, double seconds);

}  // namespace fccl::perf
