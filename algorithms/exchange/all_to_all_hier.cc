// Hierarchical all-to-all(v): every block bound for another scale-up domain crosses the scale-out
// network on a rail, and each (domain, rail) pair sends one message per call.
//
// The job is D domains of L ranks; rank (a, i) is local index i of domain a, and rail i holds
// the ranks (0, i) .. (D-1, i). A block from s = (a, i) to t = (b, j) goes
//   - if b == a: straight to t over scale-up, as in the direct plan;
//   - if b != a: over scale-up to (a, j), the rank of s's domain on t's rail (s itself when
//     i == j), which gathers every block its domain sends t, then over scale-out from (a, j) to
//     (b, j) = t, as one message per pair of rail peers.
// The scale-out hop lands on the rail peer, which is the destination itself: nothing is left to
// scatter inside the destination domain beyond putting the pieces of the message in their
// places, a local copy, skipped when the receiver's pieces lie back to back in its output in
// the order they arrive (a plain all-to-allv in rank order). Per rank the scale-out traffic is
// D-1 messages instead of (D-1) x L; the price is one more scale-up hop for (L-1)/L of the
// traffic between domains.
//
// Two phases, in rounds (a step moves its chunk c in round c + lag, executor.cc):
//   phase 1, rounds [0, R): an exchange inside each domain. s sends local peer (a, j) first the
//     block for (a, j) itself, then the blocks for (b, j), b != a, in domain order; (a, j)
//     receives the first into its output and the others into its scratch, where they sit
//     packed per destination domain b, in local index order: the message for (b, j). s copies
//     its own blocks for (b, i) into its slot of those messages.
//   phase 2, rounds [R, ...): an exchange along the rail: s sends (b, i) the message packed for
//     it, and receives the one (b, i) packed for s, into its output or into scratch and then
//     into place.
// Each phase is an exchange plan (exchange_plan.h): per pair of peers the transfers follow one
// another, sends before receives in every round, so the rounds of a chunk match on both ends
// and some rank at the lowest round can always move. R is the same on every rank: the longest
// phase-1 sequence of any pair in any domain (and of any copy into a message), computed from
// the job-wide blocks every rank holds. So phase 2 begins in the same round on both ends of a
// rail, its transfers match too, and a rank forwards a message only after its own phase-1
// rounds, which filled it, are over. No round mixes the phases, and deadlock freedom is the
// exchange plan's. In place, phase 1 sends a peer its own block before anything else, in the
// same rounds as that peer's block comes back into the same place (send before receive in a
// round), and phase 2 writes only blocks from other domains, whose places phase 1 already read.
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
  // What a rank of domain d sends local peer (d, k) in phase 1, in order: the blocks for (d, k)
  // itself, then for (b, k), b != d.
  std::vector<int> via(int d, int k) const {
    std::vector<int> out{at(d, k)};
    for (int b = 0; b < domains(); ++b)
      if (b != d) out.push_back(at(b, k));
    return out;
  }

 private:
  const std::vector<std::vector<int>>& rails_;
  std::vector<int> domainOf_, localOf_;
};

size_t chunksOfPieces(const std::vector<size_t>& pieces, size_t chunk) {
  size_t sum = 0;
  for (size_t p : pieces) sum += chunksOf(p, chunk);
  return sum;
}

// R: the round phase 2 starts in, the same on every rank (see the opening comment).
size_t phaseTwoStart(const Grid& g, const BlockLayout& layout, size_t chunk) {
  size_t longest = 0;
  for (int d = 0; d < g.domains(); ++d)
    for (int k = 0; k < g.perDomain(); ++k) {
      const int from = g.at(d, k);
      for (int m = 0; m < g.perDomain(); ++m) {
        if (m == k) {
          for (int b = 0; b < g.domains(); ++b)  // copies of its own blocks into its messages
            if (b != d)
              for (size_t p : layout.piecesOf(from, g.at(b, k))) longest = std::max(longest, chunksOf(p, chunk));
          continue;
        }
        size_t sequence = 0;
        for (int to : g.via(d, m)) sequence += chunksOfPieces(layout.piecesOf(from, to), chunk);
        longest = std::max(longest, sequence);
      }
    }
  return longest;
}

// Everything one rank's plan is made of: its place, the transfers of both phases, and its
// scratch (the messages it forwards, then the messages it unpacks).
class HierPlanner {
 public:
  HierPlanner(const Grid& g, int rank, const BlockLayout& layout, size_t chunk)
      : g_(g), layout_(layout), chunk_(chunk), self_(rank), a_(g.domainOf(rank)), i_(g.localOf(rank)) {}

  Expected<Plan> plan() {
    Plan plan{"hier", {Channel{}}};
    std::vector<Step>& steps = plan.channels[0].steps;
    layOutMessages();
    packOwnBlocks(steps);
    FCCL_ASSIGN_OR_RETURN(Plan inside, phaseOne());
    append(steps, inside, 0);
    const size_t start = phaseTwoStart(g_, layout_, chunk_);
    FCCL_ASSIGN_OR_RETURN(Plan across, phaseTwo());
    for (const Step& s : across.channels[0].steps)
      if (start + s.lag > std::numeric_limits<uint32_t>::max())
        return Status(Code::kInvalidArgument, "hierarchical all-to-all: too many chunks for one call");
    append(steps, across, start);
    unpackMessages(steps, start);
    plan.scratchElems = scratch_;
    return plan;
  }

 private:
  static void append(std::vector<Step>& steps, const Plan& phase, size_t lag) {
    for (Step s : phase.channels[0].steps) {
      s.lag += static_cast<uint32_t>(lag);
      steps.push_back(s);
    }
  }
  int railPeer(int b) const { return g_.at(b, i_); }

  // Scratch: per other domain b, the message for (b, i): the blocks of (a, 0..L-1) for it; then
  // the messages from other domains whose pieces do not lie back to back in the output.
  void layOutMessages() {
    const size_t D = static_cast<size_t>(g_.domains()), L = static_cast<size_t>(g_.perDomain());
    slot_.assign(D, std::vector<size_t>(L, 0));
    outgoing_.assign(D, 0);
    for (int b = 0; b < g_.domains(); ++b) {
      if (b == a_) continue;
      for (int k = 0; k < g_.perDomain(); ++k) {
        slot_[static_cast<size_t>(b)][static_cast<size_t>(k)] = scratch_;
        scratch_ += layout_.blockElems(g_.at(a_, k), railPeer(b));
        outgoing_[static_cast<size_t>(b)] += layout_.blockElems(g_.at(a_, k), railPeer(b));
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

  // This rank's own blocks for its rail peers go into its slot of their messages.
  void packOwnBlocks(std::vector<Step>& steps) const {
    for (int b = 0; b < g_.domains(); ++b) {
      if (b == a_) continue;
      const int to = railPeer(b);
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

  Expected<Plan> phaseOne() const {
    std::vector<Transfer> sends, recvs;
    const int L = g_.perDomain();
    for (int k = 0; k < L; ++k) {
      const int m = (i_ + k) % L, from = (i_ - k + L) % L;
      const int peer = g_.at(a_, m);
      for (int to : k == 0 ? std::vector<int>{self_} : g_.via(a_, m)) {
        const auto& pieces = layout_.piecesOf(self_, to);
        for (size_t p = 0; p < pieces.size(); ++p)
          sends.push_back({peer, {Buffer::kInput, layout_.sendOffsets[static_cast<size_t>(to)][p], pieces[p]}});
      }
      const int source = g_.at(a_, from);
      for (int to : k == 0 ? std::vector<int>{self_} : g_.via(a_, i_)) {
        const auto& pieces = layout_.piecesOf(source, to);
        size_t at = to == self_ ? 0 : slot_[static_cast<size_t>(g_.domainOf(to))][static_cast<size_t>(from)];
        for (size_t p = 0; p < pieces.size(); ++p) {
          if (to == self_) {
            recvs.push_back({source, {Buffer::kOutput, layout_.recvOffsets[static_cast<size_t>(source)][p], pieces[p]}});
          } else {
            recvs.push_back({source, {extraBuffer(0), at, pieces[p]}});
            at += pieces[p];
          }
        }
      }
    }
    return exchangePlan({self_, layout_.nranks, sends, recvs, chunk_});
  }

  Expected<Plan> phaseTwo() const {
    std::vector<Transfer> sends, recvs;
    const int D = g_.domains();
    for (int k = 1; k < D; ++k) {
      const size_t to = static_cast<size_t>((a_ + k) % D), from = static_cast<size_t>((a_ - k + D) % D);
      sends.push_back({railPeer(static_cast<int>(to)), {extraBuffer(0), slot_[to][0], outgoing_[to]}});
      const Slice into = unpackFrom_[from] == kDirect ? Slice{Buffer::kOutput, directAt_[from], incoming_[from]}
                                                      : Slice{extraBuffer(0), unpackFrom_[from], incoming_[from]};
      recvs.push_back({railPeer(static_cast<int>(from)), into});
    }
    return exchangePlan({self_, layout_.nranks, sends, recvs, chunk_});
  }

  // Messages received into scratch go to their pieces' places once the whole message is in.
  void unpackMessages(std::vector<Step>& steps, size_t start) const {
    for (int b = 0; b < g_.domains(); ++b) {
      const size_t db = static_cast<size_t>(b);
      if (b == a_ || unpackFrom_[db] == kDirect) continue;
      const auto lag = static_cast<uint32_t>(
          std::min<size_t>(start + chunksOf(incoming_[db], chunk_), std::numeric_limits<uint32_t>::max()));
      size_t at = unpackFrom_[db];
      for (int k = 0; k < g_.perDomain(); ++k) {
        const int from = g_.at(b, k);
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
  const size_t chunk_;
  const int self_, a_, i_;
  size_t scratch_ = 0;
  std::vector<std::vector<size_t>> slot_;  // [b][k]: where (a, k)'s block for (b, i) sits
  std::vector<size_t> outgoing_;           // [b]: elements of the message for (b, i)
  std::vector<size_t> incoming_;           // [b]: elements of the message from (b, i)
  std::vector<size_t> unpackFrom_;         // [b]: its place in scratch, or kDirect (into the output)
  std::vector<size_t> directAt_;           // [b]: where it starts in the output, when kDirect
};

}  // namespace

Expected<Plan> hierAllToAllvPlan(const Hierarchy& hierarchy, int rank, const BlockLayout& layout, size_t chunkElems) {
  if (chunkElems == 0) return Status(Code::kInvalidArgument, "chunk size is smaller than one element");
  const Grid grid(hierarchy, layout.nranks);
  if (!grid.complete())
    return Status(Code::kInternal, "the hierarchy does not place each of the " + std::to_string(layout.nranks) +
                                       " ranks exactly once");
  return HierPlanner(grid, rank, layout, chunkElems).plan();
}

}  // namespace fccl
