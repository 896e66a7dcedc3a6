#include "algorithms/exchange/block_layout.h"

#include <numeric>
#include <string>

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

Expected<BlockLayout> plainBlockLayout(int rank, int nranks, std::span<const uint64_t> counts,
                                       const AllToAllvLayout& mine) {
  const size_t n = static_cast<size_t>(nranks);
  if (counts.size() != n * n || mine.sendCounts.size() != n || mine.recvCounts.size() != n)
    return Status(Code::kInternal, "all-to-allv counts do not have one entry per pair of ranks");
  BlockLayout layout;
  layout.nranks = nranks;
  layout.pieces.resize(n * n);
  for (size_t i = 0; i < n * n; ++i) layout.pieces[i] = {static_cast<size_t>(counts[i])};
  layout.sendOffsets.resize(n);
  layout.recvOffsets.resize(n);
  const size_t self = static_cast<size_t>(rank);
  for (size_t peer = 0; peer < n; ++peer) {
    if (counts[self * n + peer] != mine.sendCounts[peer])
      return Status(Code::kInternal, "gathered counts lost this rank's own send count to rank " + std::to_string(peer));
    if (counts[peer * n + self] != mine.recvCounts[peer])
      return Status(Code::kInvalidUsage, "rank " + std::to_string(peer) + " sends " +
                                             std::to_string(counts[peer * n + self]) + " element(s) to rank " +
                                             std::to_string(rank) + ", which expects " +
                                             std::to_string(mine.recvCounts[peer]) + ": do all ranks make the same call?");
    layout.sendOffsets[peer] = {mine.sendDispls[peer]};
    layout.recvOffsets[peer] = {mine.recvDispls[peer]};
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
