#include "algorithms/exchange/block_layout.h"

#include <numeric>

namespace fccl {

size_t BlockLayout::blockElems(int src, int dst) const {
  const auto& p = piecesOf(src, dst);
  return std::accumulate(p.begin(), p.end(), size_t{0});
}

size_t BlockLayout::sentBy(int rank) const {
  size_t sum = 0;
  for (int dst = 0; dst < nranks; ++dst) sum += blockElems(rank, dst);
  return sum;
}

size_t BlockLayout::total() const {
  size_t sum = 0;
  for (int src = 0; src < nranks; ++src) sum += sentBy(src);
  return sum;
}

BlockLayout plainBlockLayout(int rank, const AllToAllvLayout& mine, std::span<const KnownBlock> others) {
  const size_t n = mine.sendCounts.size(), self = static_cast<size_t>(rank);
  BlockLayout layout;
  layout.nranks = static_cast<int>(n);
  layout.pieces.assign(n * n, {0});
  for (const KnownBlock& b : others) layout.pieces[static_cast<size_t>(b.src) * n + static_cast<size_t>(b.dst)] = {b.count};
  for (size_t peer = 0; peer < n; ++peer) {
    layout.pieces[self * n + peer] = {mine.sendCounts[peer]};
    layout.pieces[peer * n + self] = {mine.recvCounts[peer]};
    layout.sendOffsets.push_back({mine.sendDispls[peer]});
    layout.recvOffsets.push_back({mine.recvDispls[peer]});
  }
  return layout;
}

BlockLayout reversed(const BlockLayout& layout) {
  const size_t n = static_cast<size_t>(layout.nranks);
  BlockLayout back;
  back.nranks = layout.nranks;
  back.pieces.resize(n * n);
  for (size_t src = 0; src < n; ++src)
    for (size_t dst = 0; dst < n; ++dst) back.pieces[dst * n + src] = layout.pieces[src * n + dst];
  back.sendOffsets = layout.recvOffsets;
  back.recvOffsets = layout.sendOffsets;
  return back;
}

Expected<Plan> directBlockPlan(int rank, const BlockLayout& layout, size_t chunkElems) {
  const int n = layout.nranks;
  std::vector<Transfer> sends, recvs;
  // Rotated peer order: at any moment the ranks talk to different peers, not all to rank 0.
  for (int k = 0; k < n; ++k) {
    const int to = (rank + k) % n, from = (rank - k + n) % n;
    const auto& out = layout.piecesOf(rank, to);
    for (size_t p = 0; p < out.size(); ++p)
      sends.push_back({to, {Buffer::kInput, layout.sendOffsets[static_cast<size_t>(to)][p], out[p]}});
    const auto& in = layout.piecesOf(from, rank);
    for (size_t p = 0; p < in.size(); ++p)
      recvs.push_back({from, {Buffer::kOutput, layout.recvOffsets[static_cast<size_t>(from)][p], in[p]}});
  }
  auto plan = exchangePlan({rank, n, sends, recvs, chunkElems});
  if (plan.isOk()) plan->algorithm = "direct";
  return plan;
}

}  // namespace fccl
