#include "algorithms/tree/binary_tree.h"

namespace fccl {
namespace {

int lowestBit(int v) { return v & -v; }

int rootValue(int n) {
  int root = 1;
  while (root * 2 <= n) root *= 2;
  return root;
}

// In the unbounded bit tree, v with lowest bit l is the left child of v + l when v / l is 1 mod 4
// and the right child of v - l otherwise. Cutting it to 1..n drops nodes above n; each of those
// has only a left subtree left, which takes its place, so v climbs past them to the first
// ancestor it is a right descendant of, which is below v and so in range.
int parentValue(int v, int n) {
  if (v == rootValue(n)) return 0;
  for (int u = v, l = lowestBit(v);; u = u + l, l *= 2) {
    if ((u / l) % 4 == 3) return u - l;
    if (u + l <= n) return u + l;
  }
}

// The left child is v - l/2; the right one is v + l/2, or when that is above n, the first of
// v + l/4, v + l/8, ... that is not (the dropped nodes' left children, as above).
std::vector<int> childValues(int v, int n) {
  std::vector<int> children;
  const int l = lowestBit(v);
  if (l == 1) return children;
  children.push_back(v - l / 2);
  for (int h = l / 2; h >= 1; h /= 2)
    if (v + h <= n) {
      children.push_back(v + h);
      break;
    }
  return children;
}

// Tree t's value at ring position p, and back.
int valueAt(int t, int p, int n) {
  if (t == 0) return p + 1;
  return n % 2 == 0 ? n - p : (p + 1) % n + 1;
}
int positionOf(int t, int v, int n) {
  if (t == 0) return v - 1;
  return n % 2 == 0 ? n - v : (v - 2 + n) % n;
}

TreeNode nodeAt(const Ring& ring, int t) {
  const int n = ring.size(), v = valueAt(t, ring.pos(), n);
  auto rankOf = [&](int value) { return ring.rankAt(positionOf(t, value, n)); };
  TreeNode node;
  if (const int parent = parentValue(v, n); parent != 0) node.parent = rankOf(parent);
  for (int child : childValues(v, n)) node.children.push_back(rankOf(child));
  for (int u = parentValue(v, n); u != 0; u = parentValue(u, n)) ++node.depth;
  return node;
}

}  // namespace

std::array<TreeNode, 2> doubleBinaryTree(const Ring& ring) { return {nodeAt(ring, 0), nodeAt(ring, 1)}; }

}  // namespace fccl
