// Hierarchical all-to-all(v): blocks bound for another scale-up domain cross the scale-out
// network on a rail, and each (domain, rail) pair sends one message per call.
//
// The job is D domains of L ranks; rank (a, i) is local index i of domain a, and rail i holds
// the ranks (0, i) .. (D-1, i). A block from s = (a, i) to t = (b, j) goes
//   - if b == a: straight to t over scale-up, as in the direct plan;
//   - if b != a, on the rail: over scale-up to (a, j), the rank of s's domain on t's rail (s
//     itself when i == j), which gathers every such block its domain sends t, then over
//     scale-out from (a, j) to (b, j) = t, as one message per pair of rail peers.
// The scale-out hop lands on the rail peer, which is the destination itself: nothing is left to
// scatter inside the destination domain beyond putting the pieces of the message in their
// places, a local copy, skipped when the receiver's pieces lie back to back in its output in
// the order they arrive (a plain all-to-allv in rank order). Per rank the scale-out traffic is
// D-1 messages instead of (D-1) x L; the price is one more scale-up hop for (L-1)/L of it.
// A block between domains larger than the rail threshold goes straight to t instead: past
// some size a block is bandwidth-bound, the message it would share saves little, and the extra
// hop costs its bytes once more. Everyone who handles a block (sender, forwarder, receiver)
// decides its route from its size alone, so they agree without asking.
//
// Two plans, run one after the other:
//   first: an exchange inside each domain, plus the blocks that go straight between domains.
//     s sends local peer (a, j) first the block for (a, j) itself, then its blocks for (b, j),
//     b != a, that go on the rail, in domain order; (a, j) receives the first into its output
//     and the others into its scratch, where they sit packed per destination domain b, in
//     local index order: the message for (b, j). s copies its own blocks for (b, i) into its
//     slot of those messages.
//   rails: s sends (b, i) the message packed for it, and receives the one (b, i) packed for s,
//     into its output or into scratch and then into place.
// Each is an exchange plan (exchange_plan.h), which completes on its own: per pair of peers the
// transfers follow one another, sends before receives in every round, so some rank at the
// lowest round can always move. Run back to back they still complete: a rank that has ended
// `first` has put all of it into its FIFOs, so nobody still in `first` waits for it; a rank in
// `rails` waits only for its rail peers, which get there once their own `first` ends; and both
// ends of a FIFO use it in the same order (`first`, then `rails`), so a chunk of `rails` queued
// behind chunks of `first` leaves once the receiver's `first` has taken those. A rank sends a
// message only once its `first`, which filled it, is over. In place, `first` sends a peer its
// own block before anything else, in the same rounds as that peer's block comes back into the
// same place (send before receive in a round); a block between domains takes the same route
// both ways (in place, both have one size), so what `rails` writes, `first` has already read.
#include "algorithms/exchange/all_to_all_hier.h"

#include <algorithm>
#include <limits>
#include <string>

#include "algorithms/hier/phases.h"

namespace fccl {
namespace {

// Where every rank sits: (domain, local index), and the rank at each place.
class Grid {
 public:
  Grid(const Hierarchy& h, int nranks)
      : rails_(h.rails), domainOf_(static_cast<size_t>(nranks), -1), localOf_(static_cast<size_t>(nranks), -1) {
    for (size_t k = 0; k < rails_.size(); ++k)
      for (size_t d = 0; d < rails_[k].size(); ++d) {
        const int r = rails_[k][d];
        if (r < 0 || r >= nranks) continue;
        domainOf_[static_cast<size_t>(r)] = static_cast<int>(d);
        localOf_[static_cast<size_t>(r)] = static_cast<int>(k);
      }
  }
  bool complete() const {
    return std::none_of(domainOf_.begin(), domainOf_.end(), [](int d) { return d < 0; }) &&
           static_cast<size_t>(domains() * perDomain()) == domainOf_.size();
  }
  int domains() const { return rails_.empty() ? 0 : static_cast<int>(rails_[0].size()); }
  int perDomain() const { return static_cast<int>(rails_.size()); }
  int domainOf(int r) const { return domainOf_[static_cast<size_t>(r)]; }
  int localOf(int r) const { return localOf_[static_cast<size_t>(r)]; }
  int at(int d, int k) const { return rails_[static_cast<size_t>(k)][static_cast<size_t>(d)]; }

 private:
  const std::vector<std::vector<int>>& rails_;
  std::vector<int> domainOf_, localOf_;
};

// Everything one rank's plans are made of: its place, the transfers of both plans, and its
// scratch (the messages it forwards, then the messages it unpacks).
class HierPlanner {
 public:
  HierPlanner(const Grid& g, int rank, const BlockLayout& layout, size_t railMax, size_t chunk)
      : g_(g), layout_(layout), railMax_(railMax), chunk_(chunk), self_(rank), a_(g.domainOf(rank)),
        i_(g.localOf(rank)) {}

  Expected<HierPlans> plans() {
    layOutMessages();
    HierPlans out;
    FCCL_ASSIGN_OR_RETURN(out.first, firstPlan());
    FCCL_ASSIGN_OR_RETURN(out.rails, railPlan());
    out.first.algorithm = out.rails.algorithm = "hier";
    out.first.scratchElems = out.rails.scratchElems = scratch_;
    return out;
  }

 private:
  int railPeer(int b) const { return g_.at(b, i_); }
  bool railed(int from, int to) const { return onRail(layout_.blockElems(from, to), railMax_); }
  // What travels in the message from (a, k)'s domain to (b, i), block (from, to) of it.
  size_t carried(int from, int to) const { return railed(from, to) ? layout_.blockElems(from, to) : 0; }

  // Scratch: per other domain b, the message for (b, i): the rail blocks of (a, 0..L-1) for it;
  // then the messages from other domains whose pieces do not lie back to back in the output.
  void layOutMessages() {
    const size_t D = static_cast<size_t>(g_.domains()), L = static_cast<size_t>(g_.perDomain());
    slot_.assign(D, std::vector<size_t>(L, 0));
    outgoing_.assign(D, 0);
    for (int b = 0; b < g_.domains(); ++b) {
      if (b == a_) continue;
      for (int k = 0; k < g_.perDomain(); ++k) {
        const size_t elems = carried(g_.at(a_, k), railPeer(b));
        slot_[static_cast<size_t>(b)][static_cast<size_t>(k)] = scratch_;
        scratch_ += elems;
        outgoing_[static_cast<size_t>(b)] += elems;
      }
    }
    incoming_.assign(D, 0);
    unpackFrom_.assign(D, kDirect);
    directAt_.assign(D, 0);
    for (int b = 0; b < g_.domains(); ++b) {
      if (b == a_) continue;
      size_t next = 0;
      bool first = true, backToBack = true;
      for (int k = 0; k < g_.perDomain(); ++k) {
        const int from = g_.at(b, k);
        if (!railed(from, self_)) continue;
        const auto& pieces = layout_.piecesOf(from, self_);
        for (size_t p = 0; p < pieces.size(); ++p) {
          if (pieces[p] == 0) continue;
          const size_t at = layout_.recvOffsets[static_cast<size_t>(from)][p];
          if (first) directAt_[static_cast<size_t>(b)] = at;
          backToBack = backToBack && (first || at == next);
          first = false;
          next = at + pieces[p];
          incoming_[static_cast<size_t>(b)] += pieces[p];
        }
      }
      if (!backToBack) {
        unpackFrom_[static_cast<size_t>(b)] = scratch_;
        scratch_ += incoming_[static_cast<size_t>(b)];
      }
    }
  }

  void sendPieces(int to, int peer, std::vector<Transfer>& sends) const {
    const auto& pieces = layout_.piecesOf(self_, to);
    for (size_t p = 0; p < pieces.size(); ++p)
      sends.push_back({peer, {Buffer::kInput, layout_.sendOffsets[static_cast<size_t>(to)][p], pieces[p]}});
  }
  void receivePieces(int from, std::vector<Transfer>& recvs) const {
    const auto& pieces = layout_.piecesOf(from, self_);
    for (size_t p = 0; p < pieces.size(); ++p)
      recvs.push_back({from, {Buffer::kOutput, layout_.recvOffsets[static_cast<size_t>(from)][p], pieces[p]}});
  }

  Expected<Plan> firstPlan() const {
    std::vector<Transfer> sends, recvs;
    const int L = g_.perDomain(), n = layout_.nranks;
    sendPieces(self_, self_, sends);
    receivePieces(self_, recvs);
    for (int k = 1; k < L; ++k) {  // inside the domain: the peer's own block, then its rail blocks
      const int m = (i_ + k) % L, from = (i_ - k + L) % L;
      const int peer = g_.at(a_, m), source = g_.at(a_, from);
      sendPieces(peer, peer, sends);
      for (int b = 0; b < g_.domains(); ++b)
        if (b != a_ && railed(self_, g_.at(b, m))) sendPieces(g_.at(b, m), peer, sends);
      receivePieces(source, recvs);
      for (int b = 0; b < g_.domains(); ++b) {
        if (b == a_ || !railed(source, railPeer(b))) continue;
        size_t at = slot_[static_cast<size_t>(b)][static_cast<size_t>(from)];
        for (size_t piece : layout_.piecesOf(source, railPeer(b))) {
          recvs.push_back({source, {extraBuffer(0), at, piece}});
          at += piece;
        }
      }
    }
    for (int k = 1; k < n; ++k) {  // between domains, straight: the blocks under the rail threshold
      const int to = (self_ + k) % n, from = (self_ - k + n) % n;
      if (g_.domainOf(to) != a_ && !railed(self_, to)) sendPieces(to, to, sends);
      if (g_.domainOf(from) != a_ && !railed(from, self_)) receivePieces(from, recvs);
    }
    FCCL_ASSIGN_OR_RETURN(Plan plan, exchangePlan({self_, n, sends, recvs, chunk_}));
    packOwnBlocks(plan.channels[0].steps);
    return plan;
  }

  // This rank's own rail blocks for its rail peers go into its slot of their messages.
  void packOwnBlocks(std::vector<Step>& steps) const {
    for (int b = 0; b < g_.domains(); ++b) {
      const int to = railPeer(b);
      if (b == a_ || !railed(self_, to)) continue;
      size_t at = slot_[static_cast<size_t>(b)][static_cast<size_t>(i_)];
      const auto& pieces = layout_.piecesOf(self_, to);
      for (size_t p = 0; p < pieces.size(); ++p) {
        if (pieces[p] > 0)
          steps.push_back({Prim::kCopy, kNoPeer, kNoPeer,
                           {Buffer::kInput, layout_.sendOffsets[static_cast<size_t>(to)][p], pieces[p]},
                           {extraBuffer(0), at, pieces[p]}});
        at += pieces[p];
      }
    }
  }

  Expected<Plan> railPlan() const {
    std::vector<Transfer> sends, recvs;
    const int D = g_.domains();
    for (int k = 1; k < D; ++k) {
      const size_t to = static_cast<size_t>((a_ + k) % D), from = static_cast<size_t>((a_ - k + D) % D);
      sends.push_back({railPeer(static_cast<int>(to)), {extraBuffer(0), slot_[to][0], outgoing_[to]}});
      const Slice into = unpackFrom_[from] == kDirect ? Slice{Buffer::kOutput, directAt_[from], incoming_[from]}
                                                      : Slice{extraBuffer(0), unpackFrom_[from], incoming_[from]};
      recvs.push_back({railPeer(static_cast<int>(from)), into});
    }
    FCCL_ASSIGN_OR_RETURN(Plan plan, exchangePlan({self_, layout_.nranks, sends, recvs, chunk_}));
    unpackMessages(plan.channels[0].steps);
    return plan;
  }

  // Messages received into scratch go to their pieces' places once the whole message is in.
  void unpackMessages(std::vector<Step>& steps) const {
    for (int b = 0; b < g_.domains(); ++b) {
      const size_t db = static_cast<size_t>(b);
      if (b == a_ || unpackFrom_[db] == kDirect) continue;
      const auto lag =
          static_cast<uint32_t>(std::min<size_t>(chunksOf(incoming_[db], chunk_), std::numeric_limits<uint32_t>::max()));
      size_t at = unpackFrom_[db];
      for (int k = 0; k < g_.perDomain(); ++k) {
        const int from = g_.at(b, k);
        if (!railed(from, self_)) continue;
        const auto& pieces = layout_.piecesOf(from, self_);
        for (size_t p = 0; p < pieces.size(); ++p) {
          if (pieces[p] > 0) {
            Step copy{Prim::kCopy, kNoPeer, kNoPeer, {extraBuffer(0), at, pieces[p]},
                      {Buffer::kOutput, layout_.recvOffsets[static_cast<size_t>(from)][p], pieces[p]}};
            copy.lag = lag;
            steps.push_back(copy);
          }
          at += pieces[p];
        }
      }
    }
  }

  static constexpr size_t kDirect = std::numeric_limits<size_t>::max();
  const Grid& g_;
  const BlockLayout& layout_;
  const size_t railMax_, chunk_;
  const int self_, a_, i_;
  size_t scratch_ = 0;
  std::vector<std::vector<size_t>> slot_;  // [b][k]: where (a, k)'s rail block for (b, i) sits
  std::vector<size_t> outgoing_;           // [b]: elements of the message for (b, i)
  std::vector<size_t> incoming_;           // [b]: elements of the message from (b, i)
  std::vector<size_t> unpackFrom_;         // [b]: its place in scratch, or kDirect (into the output)
  std::vector<size_t> directAt_;           // [b]: where it starts in the output, when kDirect
};

}  // namespace

Expected<HierPlans> hierAllToAllvPlans(const Hierarchy& hierarchy, int rank, const BlockLayout& layout,
                                       size_t railMaxElems, size_t chunkElems) {
  if (chunkElems == 0) return Status(Code::kInvalidArgument, "chunk size is smaller than one element");
  const Grid grid(hierarchy, layout.nranks);
  if (!grid.complete())
    return Status(Code::kInternal, "the hierarchy does not place each of the " + std::to_string(layout.nranks) +
                                       " ranks exactly once");
  return HierPlanner(grid, rank, layout, railMaxElems, chunkElems).plans();
}

}  // namespace fccl
