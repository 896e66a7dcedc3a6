// What the tuner needs to know of a communicator's topology: how many ranks and scale-up domains
// it has, and which fabrics its hops use. Every rank derives it from the same peer records, so
// every rank prices plans alike; fccl-sim derives it from a topology file with the same function,
// so it prices the plans the real run would choose.
#pragma once

#include <cstdint>
#include <span>

namespace fccl {

struct TopoShape {
  int nranks = 1;
  int domains = 1;
  int ranksPerDomain = 1;     // 0 when the domains differ in size
  bool allScaleUp = true;     // every pair of ranks is a scale-up hop: LL and the multicast object work
  bool ringScaleOut = false;  // some hop of the ring runs over the net (so the ring moves at its pace)
  bool hierarchy = false;     // the domain and rail rings of the hierarchical algorithms exist
  bool multicast = false;     // one scale-up domain, every hop scale-up, a device with multicast calls
  int maxChannels = 1;
  // More ranks on a host than it has CPUs: a rank that waits for a peer must often give up its
  // core before the peer can run, so every dependent step costs a wake-up (cost_model.cc).
  bool oversubscribed = false;
};

// What the shape needs of a rank's place (topology/rank_place.h, which this layer does not see).
struct ShapePlace {
  uint64_t domain = 0;
  uint64_t kernel = 0;
};

// `ringOrder`: the topology's ring; `hierarchy`: whether the hierarchical rings exist;
// `forcedScaleOut`: FCCL_TRANSPORT=scaleout sends every hop over the net; `multicastDevice`: the
// device has the multicast calls (and the domain is small enough for a multicast object).
TopoShape shapeOf(std::span<const ShapePlace> places, std::span<const int> ringOrder, bool hierarchy,
                  bool forcedScaleOut, int maxChannels, bool multicastDevice);

}  // namespace fccl
