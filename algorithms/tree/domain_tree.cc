#include "algorithms/tree/domain_tree.h"

namespace fccl {

std::array<TreeNode, 2> domainTrees(const Hierarchy& h) {
  const Ring local = h.local();
  const std::vector<int>& heads = h.rails[0];  // local index 0 of every domain, domain by domain
  const int head = local.rankAt(0);
  const std::array<TreeNode, 2> across = doubleBinaryTree(Ring(heads, head));  // the head's place
  std::array<TreeNode, 2> nodes;
  for (size_t t = 0; t < 2; ++t) {
    TreeNode& node = nodes[t];
    const int i = local.pos();
    if (i == 0) {
      node = across[t];
    } else {
      node.parent = local.rankAt(i - 1);
      node.depth = across[t].depth + i;
    }
    if (i + 1 < local.size()) node.children.insert(node.children.begin(), local.rankAt(i + 1));
  }
  return nodes;
}

}  // namespace fccl
