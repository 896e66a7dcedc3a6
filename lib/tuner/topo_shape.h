// What the tuner needs to know of a communicator's topology: how many ranks and scale-up domains
// it has, and which fabrics its hops use. Every rank derives it from the same peer records, so
// every rank prices plans alike.
#pragma once

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
};

}  // namespace fccl
