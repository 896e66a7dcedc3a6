// The cost model: the predicted time of one call of a collective with a given algorithm,
// protocol, channel count and chunk size, from the figures of CostParams and the shape of the
// communicator. A pure function, so the tuner, fccl-topo and the simulator price alike.
//
// Each algorithm is a few pipelines of dependent hops. A pipeline of h hops, each carrying b
// bytes cut into r chunks, takes (h + r - 1) x (latency + b/r / bandwidth): the first chunk
// crosses every hop, the others follow one hop behind each other. Reductions add their bytes at
// the device's reduction rate on the hops that reduce. Channels split the data and share the
// link: each runs at min(channel rate, link / channels).
#pragma once

#include <cstddef>
#include <string_view>

#include "algorithms/algorithms.h"
#include "algorithms/common/protocol.h"
#include "tuner/cost_params.h"
#include "tuner/topo_shape.h"

namespace fccl {

// Bytes of one rank's share of the multicast window (NVLS staging): a call larger than this
// runs in several rounds through it.
constexpr size_t kMulticastWindowBytes = size_t{4} << 20;
// The one-shot multicast all-reduce reduces the whole buffer on every rank: only for tiny calls.
constexpr size_t kOneShotMaxBytes = 64 * 1024;

struct CostQuery {
  Collective collective;
  size_t bytes;  // nccl-tests' size: the whole buffer for all-reduce, broadcast and reduce; the
                 // output of all-gather, the input of reduce-scatter
  Proto proto;
  int channels;
  size_t chunkBytes;
  // Every member's buffers are mapped by the others: the multicast algorithms skip staging.
  bool zeroCopy = false;
};

// Microseconds; +infinity when `algorithm` cannot run the query on `shape` (with that protocol).
double predictUs(const CostParams& params, const TopoShape& shape, std::string_view algorithm, const CostQuery& q);

// Whether `algorithm` moves its bytes through per-hop FIFOs (so a protocol applies), rather
// than the multicast object.
bool usesFifos(std::string_view algorithm);

}  // namespace fccl
