// The trees when the ranks come in several scale-up domains: inside each domain a chain from
// its head (the rank at local index 0) through the domain's ring order, and across domains the
// double binary tree (binary_tree.h) over the heads. Leaves and chains stay inside a domain, on
// the scale-up fabric; only links between heads cross domains, and a rank is interior in the
// cross-domain part of at most one tree, as in NCCL's trees of intra-node chains.
#pragma once

#include <array>

#include "algorithms/hier/hierarchy.h"
#include "algorithms/tree/binary_tree.h"

namespace fccl {

// This rank's node in tree 0 and tree 1; needs two or more domains of two or more ranks.
std::array<TreeNode, 2> domainTrees(const Hierarchy& hierarchy);

}  // namespace fccl
