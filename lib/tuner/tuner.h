// The tuner: for each call, the algorithm, protocol, channel count and chunk size that the cost
// model (tuner/cost_model.h) prices cheapest on this communicator, among those FCCL_ALGO,
// FCCL_PROTO and FCCL_NCHANNELS leave; a tuner plugin (fccl_tuner.h) may reprice first.
//
// The choice depends only on the call (collective, bytes), the figures (the same on every rank:
// the communicator takes rank 0's) and the topology's shape (derived alike on every rank), so
// every rank of a call chooses the same plan. A choice is made once per (collective, bytes) and
// kept in a small table: the hot path pays a lookup.
//
// Not thread-safe: a communicator runs one call at a time.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "algorithms/algorithms.h"
#include "algorithms/common/protocol.h"
#include "common/expected.h"
#include "tuner/cost_params.h"
#include "tuner/topo_shape.h"
#include "tuner/tuner_plugin.h"

namespace fccl {

// What the environment forces. FCCL_ALGO is a comma-separated list of algorithms to choose
// from (NCCL_ALGO's form; `^a,b` excludes instead); a collective that has none of them keeps all
// of its own. FCCL_PROTO and FCCL_NCHANNELS force one protocol and a channel count.
struct TunerOverrides {
  std::vector<std::string> algorithms;
  bool exclude = false;
  std::optional<Proto> proto;
  int channels = 0;  // 0: the tuner's
};
// `algo` is FCCL_ALGO's text as given ("" when unset). Names are checked when a call uses them,
// so a name no collective knows fails that call (naming the known ones), not init.
TunerOverrides parseAlgorithmList(const std::string& algo);

// The chunk sizes each protocol may use, from the FIFO sizes the connections were built with.
struct ChunkLimits {
  size_t simpleBytes;  // a Simple slot (FCCL_CHUNK_SIZE)
  size_t llBytes;      // data one LL slot carries
};

struct TuneChoice {
  Algorithm algorithm;
  Proto proto = Proto::kSimple;
  int channels = 1;
  size_t chunkBytes = 0;
  double predictedUs = 0;
};

class Tuner {
 public:
  Tuner(CostParams params, TopoShape shape, TunerOverrides overrides, ChunkLimits chunks,
        std::unique_ptr<TunerPlugin> plugin = nullptr);

  // For all-reduce, all-gather, reduce-scatter, broadcast and reduce. kInvalidArgument when
  // FCCL_ALGO names no algorithm any collective knows. `zeroCopy`: price the multicast
  // algorithms as if every member's buffers were mapped (the caller then agrees on it).
  Expected<TuneChoice> choose(Collective collective, size_t bytes, bool zeroCopy = false);

  const CostParams& params() const { return params_; }
  const TopoShape& shape() const { return shape_; }
  // The largest Simple chunk a plan of this communicator may use: the FIFO slot, cut to the
  // net's message size where some hop crosses the net (cost_params.h). For the plans the tuner
  // does not choose (all-to-all(v), send/recv), so that they move over the net the same way.
  size_t simpleChunkBytes() const;

 private:
  Expected<TuneChoice> decide(Collective collective, size_t bytes, bool zeroCopy);
  Expected<std::vector<Algorithm>> candidates(Collective collective) const;
  // The cheapest channel count and chunk for one (algorithm, protocol), or nullopt if it cannot run.
  std::optional<TuneChoice> bestOf(const Algorithm& algorithm, Proto proto, Collective collective, size_t bytes,
                                   bool zeroCopy) const;

  struct CacheEntry {
    bool used = false;
    Collective collective{};
    size_t bytes = 0;
    bool zeroCopy = false;
    TuneChoice choice;
  };
  static constexpr size_t kCacheEntries = 64;

  CostParams params_;
  TopoShape shape_;
  TunerOverrides overrides_;
  ChunkLimits chunks_;
  std::unique_ptr<TunerPlugin> plugin_;
  std::array<CacheEntry, kCacheEntries> cache_{};
};

}  // namespace fccl
