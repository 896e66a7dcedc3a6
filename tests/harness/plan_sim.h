// An in-process simulator that runs the plans of every rank of a job together, with the executor's
// semantics (lib/runtime/executor.cc), so that a plan can be proven before any process runs it:
//  - a channel runs in rounds; in round r each step, in step order, moves its chunk r - lag if it
//    has one (chunks are `chunkElems` elements; a step whose slice has no such chunk skips);
//  - a step blocks its channel until its received chunk is there and its send slot is free;
//  - channels, like ranks, progress independently;
//  - between two ranks, each channel has one FIFO of `slots` chunks; a send into a full FIFO waits.
// Elements are doubles and the operation is sum; `average` divides by the number of ranks where a
// non-partial Reduce...Copy step makes a result, as fcclAvg does. Ranks' buffers live in one array
// per rank so that an in-place call can alias its input and output exactly as the API does.
//
// Time goes in ticks: in one tick every channel of every rank moves at most one chunk, and what
// one tick sends or frees is seen in the next. Ticks only price a plan (does it pipeline?): which
// chunks move, and whether the job completes, do not depend on them, since each FIFO has one
// writer and one reader and a chunk or slot, once there, stays until its one user takes it.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "algorithms/common/plan.h"

namespace fccl::test {

// Where one of a rank's buffers lies in its memory.
struct SimExtent {
  size_t at = 0;
  size_t count = 0;
};

struct SimRank {
  Plan plan;
  std::vector<double> memory;
  SimExtent input, output;
  std::vector<SimExtent> extra;  // what extraBuffer(i) names
};

// Out of place: the input, then `outputCount` elements of output filled with `fill`.
SimRank outOfPlaceRank(Plan plan, const std::vector<double>& input, size_t outputCount, double fill = 0);
// In place: one array that is the output, with the input `inputAt` elements into it.
SimRank inPlaceRank(Plan plan, std::vector<double> output, size_t inputAt, size_t inputCount);
// The elements of one of the rank's buffers.
std::vector<double> contents(const SimRank& rank, SimExtent extent);

struct SimOptions {
  size_t chunkElems = 64;
  size_t slots = 2;
  bool average = false;
};

struct SimResult {
  std::string error;  // empty when every plan completed and every FIFO was drained
  size_t ticks = 0;
  std::vector<size_t> sentElems;  // per rank, over all its channels
  std::vector<size_t> recvElems;
  bool ok() const { return error.empty(); }
};

// Runs `ranks[r].plan` as rank r's for every r, on the ranks' memories. Reports the first chunk
// size mismatch, slice out of its buffer or bad peer; a deadlock, naming where every unfinished
// channel waits; and chunks left in a FIFO once every rank has finished.
SimResult simulate(std::vector<SimRank>& ranks, const SimOptions& options);

}  // namespace fccl::test
