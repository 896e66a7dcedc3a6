#include "harness/moe_reference.h"

namespace fccl::test {
namespace {

uint64_t mix(uint64_t x) {  // splitmix64's finaliser
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

uint64_t draw(const MoeCase& c, int rank, size_t t, int k, uint64_t salt) {
  return mix(mix(mix(c.seed * 1000003ull + static_cast<uint64_t>(rank)) + t) * 31 + static_cast<uint64_t>(k) + salt);
}

}  // namespace

std::vector<int32_t> contiguousExperts(int experts, int nranks) {
  std::vector<int32_t> map;
  for (int e = 0; e < experts; ++e) map.push_back(static_cast<int32_t>(static_cast<int64_t>(e) * nranks / experts));
  return map;
}

std::vector<int32_t> roundRobinExperts(int experts, int nranks) {
  std::vector<int32_t> map;
  for (int e = 0; e < experts; ++e) map.push_back(e % nranks);
  return map;
}

double tokenValue(int rank, size_t t, size_t h) {
  return static_cast<double>(static_cast<int64_t>((static_cast<size_t>(rank) * 31 + t * 7 + h * 3) % 17) - 8);
}

std::vector<int32_t> expertIds(const MoeCase& c, int rank) {
  const size_t tokens = c.tokens[static_cast<size_t>(rank)];
  const int experts = c.numExperts();
  // kSameRank: the experts of the rank that holds expert 0.
  std::vector<int32_t> sameRank;
  for (int e = 0; e < experts; ++e)
    if (c.expertToRank[static_cast<size_t>(e)] == c.expertToRank[0]) sameRank.push_back(e);
  std::vector<int32_t> ids;
  for (size_t t = 0; t < tokens; ++t)
    for (int k = 0; k < c.topk; ++k) {
      const uint64_t r = draw(c, rank, t, k, 1);
      int32_t id = static_cast<int32_t>(r % static_cast<uint64_t>(experts));
      if (c.routing == Routing::kRandom && r % 10 == 7) id = -1;
      if (c.routing == Routing::kOneExpert && k == 0) id = experts - 1;
      if (c.routing == Routing::kSameRank) id = sameRank[static_cast<size_t>(k) % sameRank.size()];
      ids.push_back(id);
    }
  return ids;
}

std::vector<float> weights(const MoeCase& c, int rank) {
  std::vector<float> w;
  for (size_t t = 0; t < c.tokens[static_cast<size_t>(rank)]; ++t)
    for (int k = 0; k < c.topk; ++k) w.push_back(static_cast<float>(1 + draw(c, rank, t, k, 2) % 4) / 4.0f);
  return w;
}

double expertFunction(int expert, double x) { return x + expert; }

std::vector<ReceivedRow> expectedRows(const MoeCase& c, int rank) {
  std::vector<ReceivedRow> rows;
  for (int e = 0; e < c.numExperts(); ++e) {
    if (c.expertToRank[static_cast<size_t>(e)] != rank) continue;
    for (int src = 0; src < c.nranks; ++src) {
      const std::vector<int32_t> ids = expertIds(c, src);
      for (size_t i = 0; i < ids.size(); ++i)
        if (ids[i] == e) rows.push_back({e, src, i / static_cast<size_t>(c.topk)});
    }
  }
  return rows;
}

std::vector<size_t> expectedExpertCounts(const MoeCase& c, int rank) {
  std::vector<size_t> counts;
  for (int e = 0; e < c.numExperts(); ++e) {
    if (c.expertToRank[static_cast<size_t>(e)] != rank) continue;
    size_t count = 0;
    for (int src = 0; src < c.nranks; ++src)
      for (int32_t id : expertIds(c, src)) count += id == e ? 1 : 0;
    counts.push_back(count);
  }
  return counts;
}

double combinedValue(const MoeCase& c, int rank, size_t t, size_t h) {
  const std::vector<int32_t> ids = expertIds(c, rank);
  const std::vector<float> w = weights(c, rank);
  double sum = 0;
  for (int k = 0; k < c.topk; ++k) {
    const size_t i = t * static_cast<size_t>(c.topk) + static_cast<size_t>(k);
    if (ids[i] >= 0) sum += w[i] * expertFunction(ids[i], tokenValue(rank, t, h));
  }
  return sum;
}

}  // namespace fccl::test
