#include "algorithms/moe/moe_routing.h"

#include <string>

namespace fccl {
namespace {

std::vector<std::vector<int>> expertsByRank(std::span<const int32_t> map, int nranks) {
  std::vector<std::vector<int>> local(static_cast<size_t>(nranks));
  for (size_t e = 0; e < map.size(); ++e) local[static_cast<size_t>(map[e])].push_back(static_cast<int>(e));
  return local;
}

// a + b and a * b, or false when the result does not fit.
bool add(size_t& into, uint64_t value) { return !__builtin_add_overflow(into, value, &into); }
bool times(size_t a, size_t b, size_t& out) { return !__builtin_mul_overflow(a, b, &out); }

}  // namespace

uint64_t shapeHash(const MoeShape& shape) {
  uint64_t h = 0xcbf29ce484222325ull;
  auto mix = [&h](uint64_t v) {
    for (int i = 0; i < 8; ++i) h = (h ^ ((v >> (8 * i)) & 0xff)) * 0x100000001b3ull;
  };
  mix(shape.hidden);
  mix(static_cast<uint64_t>(shape.topk));
  mix(static_cast<uint64_t>(shape.dtype));
  mix(shape.expertToRank.size());
  for (int32_t r : shape.expertToRank) mix(static_cast<uint64_t>(static_cast<uint32_t>(r)));
  return h;
}

Status checkExpertMap(std::span<const int32_t> expertToRank, int nranks) {
  if (expertToRank.empty()) return Status(Code::kInvalidArgument, "numExperts is 0: there is no expert to route to");
  for (size_t e = 0; e < expertToRank.size(); ++e)
    if (expertToRank[e] < 0 || expertToRank[e] >= nranks)
      return Status(Code::kInvalidArgument, "expertToRank[" + std::to_string(e) + "] is " +
                                                std::to_string(expertToRank[e]) + ", must be a rank in [0, " +
                                                std::to_string(nranks) + ")");
  return Status::ok();
}

std::vector<int> localExperts(std::span<const int32_t> expertToRank, int rank) {
  std::vector<int> local;
  for (size_t e = 0; e < expertToRank.size(); ++e)
    if (expertToRank[e] == rank) local.push_back(static_cast<int>(e));
  return local;
}

Expected<MoeRoute> routeTokens(std::span<const int32_t> expertIds, size_t numTokens, const MoeShape& shape, int nranks) {
  const size_t topk = static_cast<size_t>(shape.topk), experts = static_cast<size_t>(shape.numExperts());
  MoeRoute route;
  route.rowsPerExpert.assign(experts, 0);
  for (size_t i = 0; i < numTokens * topk; ++i) {
    const int32_t id = expertIds[i];
    if (id < -1 || id >= shape.numExperts())
      return Status(Code::kInvalidArgument, "expertIds[" + std::to_string(i) + "] (token " + std::to_string(i / topk) +
                                                ", slot " + std::to_string(i % topk) + ") is " + std::to_string(id) +
                                                ", must be -1 (dropped) or an expert in [0, " +
                                                std::to_string(experts) + ")");
    if (id >= 0) ++route.rowsPerExpert[static_cast<size_t>(id)];
  }
  // Each expert's rows start where the rows of the destinations and experts before it end.
  std::vector<uint64_t> next(experts, 0);
  for (const auto& mine : expertsByRank(shape.expertToRank, nranks))
    for (int e : mine) {
      next[static_cast<size_t>(e)] = route.sendRows;
      route.sendRows += route.rowsPerExpert[static_cast<size_t>(e)];
    }
  route.sendRow.resize(numTokens * topk);
  for (size_t i = 0; i < numTokens * topk; ++i) {
    const int32_t id = expertIds[i];
    route.sendRow[i] = id < 0 ? -1 : static_cast<int64_t>(next[static_cast<size_t>(id)]++);
  }
  return route;
}

Expected<MoeExchange> moeExchange(int rank, int nranks, std::span<const uint64_t> rows, const MoeShape& shape) {
  const size_t n = static_cast<size_t>(nranks), experts = static_cast<size_t>(shape.numExperts()),
               hidden = shape.hidden, self = static_cast<size_t>(rank);
  if (rows.size() != n * experts) return Status(Code::kInternal, "MoE row counts do not have one entry per rank and expert");
  auto at = [&](size_t src, int e) { return rows[src * experts + static_cast<size_t>(e)]; };
  const auto local = expertsByRank(shape.expertToRank, nranks);
  const Status overflow(Code::kInvalidArgument, "the MoE rows of a rank overflow the buffer size");
  MoeExchange x;
  x.dispatch.nranks = nranks;
  x.dispatch.pieces.resize(n * n);
  x.recvRowsOf.assign(n, 0);
  for (size_t src = 0; src < n; ++src) {
    size_t sent = 0;
    for (size_t dst = 0; dst < n; ++dst)
      for (int e : local[dst]) {
        size_t elems = 0;
        if (!add(sent, at(src, e)) || !add(x.recvRowsOf[dst], at(src, e)) || !times(at(src, e), hidden, elems))
          return overflow;
        x.dispatch.pieces[src * n + dst].push_back(elems);
      }
    size_t elems = 0;
    if (!times(sent, hidden, elems)) return overflow;
  }
  for (size_t received : x.recvRowsOf) {
    size_t elems = 0;
    if (!times(received, hidden, elems)) return overflow;
  }
  // This rank's packed send rows (routeTokens' order): by destination, then its local expert.
  size_t cursor = 0;
  x.dispatch.sendOffsets.resize(n);
  for (size_t dst = 0; dst < n; ++dst)
    for (int e : local[dst]) {
      x.dispatch.sendOffsets[dst].push_back(cursor * hidden);
      cursor += at(self, e);
    }
  // Its receive rows: by local expert, then by source rank.
  x.dispatch.recvOffsets.resize(n);
  size_t group = 0;
  for (int e : local[self]) {
    size_t offset = group;
    for (size_t src = 0; src < n; ++src) {
      x.dispatch.recvOffsets[src].push_back(offset * hidden);
      offset += at(src, e);
    }
    x.expertRows.push_back(offset - group);
    group = offset;
  }
  return x;
}

}  // namespace fccl
