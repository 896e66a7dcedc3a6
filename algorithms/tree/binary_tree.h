// The double binary tree (after NCCL's): two binary trees over the same ranks, each carrying half
// of the data. In one binary tree about half the ranks are leaves, which only send their data up
// once and receive the result once, while the interior ranks send three times as much; two trees
// in which each rank is interior in at most one give every rank the same load, about one pass of
// the data up and one down in all, at a depth of log2(n) instead of a ring's n.
//
// Tree 0 lies on the ring positions in order: position p holds the value v = p + 1 of the binary
// search tree over 1..n whose shape the bits of v give (v's lowest set bit says how high it sits,
// odd values are leaves, the root is the largest power of two <= n). Its interior nodes are the
// even values, i.e. the odd positions. Tree 1 is the same tree over the positions mirrored
// (p -> n-1-p) when n is even, whose interior is then the even positions, and shifted by one
// (p -> p+1 mod n) when n is odd, whose interior is then the even positions but the last, which
// is a leaf in both. Building on ring positions keeps tree neighbours close when the ring follows
// the topology.
#pragma once

#include <array>
#include <vector>

#include "algorithms/common/plan.h"
#include "algorithms/ring/ring.h"

namespace fccl {

// One rank's place in one tree, as ranks.
struct TreeNode {
  int parent = kNoPeer;       // kNoPeer at the root
  std::vector<int> children;  // at most two
  int depth = 0;              // links between this rank and the root
};

// This rank's node in tree 0 and in tree 1, for the ranks of `ring` (which must hold two or more).
std::array<TreeNode, 2> doubleBinaryTree(const Ring& ring);

}  // namespace fccl
