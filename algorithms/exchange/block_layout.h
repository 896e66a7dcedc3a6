// An all-to-allv as the whole job knows it once the counts have been exchanged: the block each
// rank sends each other rank, cut into pieces, and where this rank's own pieces lie.
//
// A block (src, dst) is everything src sends dst in one call. It travels as one or more pieces,
// in order; a piece is what one step of a plan moves, so the sender and the receiver of a piece
// must agree on its size (they cut it into the same chunks). A plain all-to-allv has one piece
// per block. A MoE dispatch cuts each block by the destination's local experts, so that the
// receiver lays every piece straight into its expert's group, and its combine sends the same
// pieces back.
//
// Every rank holds every block's piece sizes, not only its own: the hierarchical plan forwards
// other ranks' blocks and must cut what it forwards the way their receivers expect.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "algorithms/exchange/exchange_plan.h"
#include "common/expected.h"

namespace fccl {

struct BlockLayout {
  int nranks = 0;
  // pieces[src * nranks + dst]: the sizes of the pieces of block (src, dst), in elements, in the
  // order they travel. Zero-sized pieces move nothing.
  std::vector<std::vector<size_t>> pieces;
  // This rank's buffers, in elements: where each piece of the block it sends to `dst` starts in
  // the input (sendOffsets[dst][p]), and where each piece of the block it receives from `src`
  // goes in the output (recvOffsets[src][p]).
  std::vector<std::vector<size_t>> sendOffsets;
  std::vector<std::vector<size_t>> recvOffsets;

  const std::vector<size_t>& piecesOf(int src, int dst) const {
    return pieces[static_cast<size_t>(src) * static_cast<size_t>(nranks) + static_cast<size_t>(dst)];
  }
  size_t blockElems(int src, int dst) const;
  // Elements this rank sends in all (its row of blocks), the job's total over every block.
  size_t sentBy(int rank) const;
  size_t total() const;
};

// One block another rank told this one of.
struct KnownBlock {
  int src, dst;
  size_t count;
};

// A plain all-to-allv (one piece per block) as `rank` sees it: its own call (`mine`, one entry
// per rank), plus the blocks of others it was told of (what its domain sends its rail peers,
// for the hierarchical plan). Blocks it knows nothing of are empty.
BlockLayout plainBlockLayout(int rank, const AllToAllvLayout& mine, std::span<const KnownBlock> others);

// The same blocks, the other way round: what src sent dst comes back from dst to src, in the
// same pieces, read where it was written and written where it was read (a MoE combine).
BlockLayout reversed(const BlockLayout& layout);

// Direct pairwise exchange of the blocks (exchange_plan.h): every piece one transfer, peers in
// rotated order.
Expected<Plan> directBlockPlan(int rank, const BlockLayout& layout, size_t chunkElems);

}  // namespace fccl
