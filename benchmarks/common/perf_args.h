// Command line of fccl-perf and the peer programs: the flags of nccl-tests, plus the collective
// as a positional word. Parsing is pure (no printing, no exit) so the unit tests can drive it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fccl/fccl.h"
#include "perf_types.h"

namespace fccl::perf {

struct Options {
  Collective collective = Collective::kAllReduce;
  // nccl-tests' defaults: one 32 MiB size, additive 1 MiB steps unless -f > 1.
  size_t minBytes = size_t{32} << 20;
  size_t maxBytes = size_t{32} << 20;
  size_t stepBytes = size_t{1} << 20;
  size_t stepFactor = 1;
  int iters = 20;
  int warmupIters = 5;
  bool check = true;
  std::vector<fcclDataType_t> types{fcclFloat32};
  std::vector<fcclRedOp_t> ops{fcclSum};
  int average = 1;  // how per-rank times combine: 0 rank 0, 1 mean, 2 min, 3 max
  int root = 0;     // broadcast and reduce; checked against nranks by checkRoot()
  double skew = 0;  // alltoallv: how unequal the per-pair counts are (allToAllvCount in perf_sizes.h);
                    // moe: expert e is picked with weight 1/(e+1)^skew (perf_moe.h)
  // moe: tokens per rank (0: from each size of the sweep), elements per token, experts per
  // token, experts in all.
  size_t tokens = 0;
  size_t hidden = 4096;
  int topk = 2;
  int experts = 8;
  bool registerBuffers = false;  // -R 1: the runner's own (registered) memory, see BufferSource
  std::string csvPath;
  std::string calibratePath;  // fccl-perf --calibrate FILE: measure the tuner's figures instead of sweeping
  bool help = false;
};

struct ParseResult {
  std::optional<Options> options;  // set on success
  std::string error;               // why not, naming the flag and the value
};

// `args` excludes the program name.
ParseResult parseArgs(const std::vector<std::string>& args);
std::string usage(std::string_view program);

// Empty if o.root is a rank of an `nranks` job (or the collective has no root); else the error.
std::string checkRoot(const Options& o, int nranks);

// "8", "64K", "1M", "2G", "1.5K" (binary multiples, as nccl-tests); nullopt if not a size.
std::optional<size_t> parseSize(std::string_view text);

}  // namespace fccl::perf
