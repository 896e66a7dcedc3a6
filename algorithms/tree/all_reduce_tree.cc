// Tree all-reduce over the double binary tree (binary_tree.h). For each requested channel the
// plan has two, one per tree, and each tree carries half of that channel's elements.
//
// In a tree, each chunk is first reduced up: a leaf sends its input to its parent; an interior
// rank adds what its first child sends to its input, keeping the partial sum in its output (free
// until the result comes down), adds what its second child sends and passes the sum on; the root
// adds its children's sums into the result, where fcclAvg divides, once. Then the result is
// broadcast down: the root sends it to its children, which store it and pass it on.
//
// Pipelining. The executor moves, in round r, chunk r - lag of each step, in step order, and a
// step waits for its peers. Were the result's chunk r received in round r, every round would wait
// for a trip to the root and back. A parent finishes its round r a hop after its child, since it
// needs the child's chunk r, and the result takes another hop back down; so a rank at depth k
// receives chunk j of the result in round j + 2k, two rounds after its parent sends it, and finds
// it there. Every rank then moves one chunk of each step per round, and a call takes its chunks'
// time plus a few rounds per level of the tree, not a round trip per chunk.
#include "algorithms/algorithms.h"
#include "algorithms/common/local_plan.h"
#include "algorithms/common/partition.h"
#include "algorithms/tree/binary_tree.h"
#include "algorithms/tree/domain_tree.h"

namespace fccl {
namespace {

void reduceUp(const TreeNode& node, const Slice& in, const Slice& out, std::vector<Step>& steps) {
  if (node.children.empty()) {
    steps.push_back({Prim::kSend, node.parent, kNoPeer, in, {}});
    return;
  }
  Slice sum = in;  // where the sum so far lies: the input, then the output
  for (size_t i = 0; i < node.children.size(); ++i) {
    const bool last = i + 1 == node.children.size();
    if (last && node.parent != kNoPeer) {
      steps.push_back({Prim::kRecvReduceSend, node.parent, node.children[i], sum, {}});
    } else {
      Step step{Prim::kRecvReduceCopy, kNoPeer, node.children[i], sum, out};
      step.partial = !last;
      steps.push_back(step);
      sum = out;
    }
  }
}

void broadcastDown(const TreeNode& node, const Slice& out, std::vector<Step>& steps) {
  const size_t first = steps.size();
  size_t nextChild = 0;
  if (node.parent != kNoPeer) {
    if (node.children.empty())
      steps.push_back({Prim::kRecv, kNoPeer, node.parent, {}, out});
    else
      steps.push_back({Prim::kRecvCopySend, node.children[nextChild++], node.parent, {}, out});
  }
  while (nextChild < node.children.size()) steps.push_back({Prim::kSend, node.children[nextChild++], kNoPeer, out, {}});
  // The result trails the reduction by two rounds per level (see the top of this file).
  for (size_t i = first; i < steps.size(); ++i) steps[i].lag = 2 * static_cast<uint32_t>(node.depth);
}

}  // namespace

Plan treeAllReducePlan(const PlanRequest& req) {
  if (req.ring.size() == 1) return localCopyPlan("tree", req.count, req.channels);
  // Across several scale-up domains of several ranks, chains inside the domains under a double
  // binary tree of their heads (domain_tree.h); otherwise the double binary tree over the ring.
  const bool domains = req.hierarchy && req.hierarchy->local().size() > 1 && req.hierarchy->rail().size() > 1;
  const std::array<TreeNode, 2> trees = domains ? domainTrees(*req.hierarchy) : doubleBinaryTree(req.ring);
  Plan plan{"tree", std::vector<Channel>(2 * static_cast<size_t>(req.channels))};
  for (int c = 0; c < req.channels; ++c) {
    const Range share = partOf(req.count, req.channels, c);
    for (int t = 0; t < 2; ++t) {
      const Range half = partOf(share.count, 2, t);
      const Slice in{Buffer::kInput, share.offset + half.offset, half.count};
      const Slice out{Buffer::kOutput, in.offset, in.count};
      std::vector<Step>& steps = plan.channels[2 * static_cast<size_t>(c) + static_cast<size_t>(t)].steps;
      reduceUp(trees[static_cast<size_t>(t)], in, out, steps);
      broadcastDown(trees[static_cast<size_t>(t)], out, steps);
    }
  }
  return plan;
}

}  // namespace fccl
