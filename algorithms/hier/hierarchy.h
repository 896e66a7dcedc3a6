// The two rings a hierarchical collective runs on, seen from one rank: the local ring of its
// scale-up domain (the domain's ranks in the topology's ring order) and its rail, the ranks
// that hold its local index in every domain, domain by domain. The rail is where the scale-out
// traffic goes: one rank per domain per rail, each on its own slice of the data (one NIC each).
#pragma once

#include <span>
#include <vector>

#include "algorithms/ring/ring.h"
#include "common/expected.h"

namespace fccl {

struct Hierarchy {
  std::vector<int> localOrder;  // this rank's domain, in ring order
  std::vector<int> railOrder;   // one rank per domain, same local index as this rank
  // Every rail: rails[i] holds the rank at local index i of each domain, domain by domain.
  std::vector<std::vector<int>> rails;
  Ring local() const;
  Ring rail() const;
  int self = 0;
};

// `ringOrder`: every rank, in the topology's ring order, each domain contiguous; `domainOf`:
// each rank's domain index. Domains must all have the same number of ranks.
Expected<Hierarchy> makeHierarchy(std::span<const int> ringOrder, std::span<const int> domainOf, int self);

}  // namespace fccl
