// The ring order the topology gives: the ranks of one scale-up domain next to each other, and
// within a domain those of one host, so that a ring crosses each domain boundary once (and
// each host boundary once within its domain). Domains, and hosts within a domain, come in the
// order of their lowest rank; ranks within a host by rank. With one domain of one host this is
// 0, 1, ..., n-1.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "topology/rank_place.h"

namespace fccl {

std::vector<int> topologyRingOrder(std::span<const RankPlace> places);
// How many consecutive pairs of the ring (the last and the first included) lie in different
// domains.
int domainCrossings(std::span<const int> order, std::span<const RankPlace> places);
// Each rank's domain as a small index: the lowest rank of its domain.
std::vector<int> domainIndices(std::span<const RankPlace> places);
// A digest of the places and the ring order, which every rank must compute alike.
uint64_t topologyHash(std::span<const RankPlace> places, std::span<const int> order);

}  // namespace fccl
