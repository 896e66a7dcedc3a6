// The double binary tree and the tree all-reduce plan: the trees' shape (one parent each, at
// most one tree in which a rank is interior, logarithmic depth), and the plan run on the
// simulator for every job size up to 17, counts, chunk sizes, FIFO depths, in and out of place,
// sum and avg, against a reference; then what each rank sends, and that the trees pipeline.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <numeric>
#include <random>
#include <vector>

#include "algorithms/algorithms.h"
#include "algorithms/tree/binary_tree.h"
#include "harness/collective_sim.h"

namespace fccl::test {
namespace {

int floorLog2(int n) {
  int log = 0;
  while ((2 << log) <= n) ++log;
  return log;
}

std::vector<int> naturalOrder(int n) {
  std::vector<int> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  return order;
}

// The nodes of every rank, indexed [tree][rank], for a ring in `order`.
std::array<std::vector<TreeNode>, 2> allNodes(const std::vector<int>& order) {
  std::array<std::vector<TreeNode>, 2> nodes;
  for (int rank : order) {
    const std::array<TreeNode, 2> mine = doubleBinaryTree(Ring(order, rank));
    for (size_t t = 0; t < 2; ++t) nodes[t].resize(order.size()), nodes[t][static_cast<size_t>(rank)] = mine[t];
  }
  return nodes;
}

}  // namespace

TEST_CASE("double binary tree: two trees over all ranks, each rank interior in at most one", "[unit][plan][tree]") {
  const int n = GENERATE(range(2, 41));
  const bool shuffled = GENERATE(false, true);
  std::vector<int> order = naturalOrder(n);
  if (shuffled) std::shuffle(order.begin(), order.end(), std::mt19937(static_cast<unsigned>(n)));
  const auto nodes = allNodes(order);
  INFO("n " << n << " shuffled " << shuffled);
  for (size_t t = 0; t < 2; ++t) {
    int roots = 0, height = 0;
    for (int r = 0; r < n; ++r) {
      const TreeNode& node = nodes[t][static_cast<size_t>(r)];
      REQUIRE(node.children.size() <= 2);
      height = std::max(height, node.depth);
      for (int child : node.children) {
        REQUIRE(nodes[t][static_cast<size_t>(child)].parent == r);
        REQUIRE(nodes[t][static_cast<size_t>(child)].depth == node.depth + 1);
      }
      if (node.parent == kNoPeer) {
        ++roots;
        REQUIRE(node.depth == 0);
      } else {
        const auto& siblings = nodes[t][static_cast<size_t>(node.parent)].children;
        REQUIRE(std::count(siblings.begin(), siblings.end(), r) == 1);
      }
    }
    REQUIRE(roots == 1);  // with one parent each, n-1 links and one root make one connected tree
    REQUIRE(height == floorLog2(n));
  }
  for (int r = 0; r < n; ++r) {
    const size_t interior =
        !nodes[0][static_cast<size_t>(r)].children.empty() + !nodes[1][static_cast<size_t>(r)].children.empty();
    REQUIRE(interior <= 1);
  }
}

TEST_CASE("tree all-reduce runs exactly in the simulator, in and out of place, sum and avg", "[unit][sim][tree]") {
  const int n = GENERATE(range(1, 18));
  const size_t count = GENERATE(as<size_t>{}, 0, 1, 2, 7, 1000);
  const size_t chunk = GENERATE(as<size_t>{}, 1, 5, 64);
  const size_t slots = GENERATE(as<size_t>{}, 2, 8);
  const bool inPlace = GENERATE(false, true);
  const bool average = GENERATE(false, true);
  const SimCall call{Collective::kAllReduce, &treeAllReducePlan, n, count, 1 + n % 2, 0, inPlace};
  INFO("n " << n << " count " << count << " chunk " << chunk << " slots " << slots << " in place " << inPlace);
  REQUIRE(simulateCall(call, {chunk, slots, average}).error == "");
}

TEST_CASE("tree all-reduce makes each result once, where avg divides, and trails it by two rounds a level",
          "[unit][plan][tree]") {
  const int n = GENERATE(range(2, 18));
  const SimCall call{Collective::kAllReduce, &treeAllReducePlan, n, 100};
  const std::vector<Plan> plans = plansOf(call);
  const auto nodes = allNodes(naturalOrder(n));
  for (size_t t = 0; t < 2; ++t) {
    int finals = 0;
    for (int r = 0; r < n; ++r) {
      const TreeNode& node = nodes[t][static_cast<size_t>(r)];
      for (const Step& s : plans[static_cast<size_t>(r)].channels[t].steps) {
        if (s.prim == Prim::kRecvReduceCopy && !s.partial) ++finals;
        if (s.prim == Prim::kRecvReduceCopySend) FAIL("no rank both makes and sends a result");
        const bool down = s.prim == Prim::kRecv || s.prim == Prim::kRecvCopySend ||
                          (s.prim == Prim::kSend && s.src.buffer == Buffer::kOutput);
        REQUIRE(s.lag == (down ? 2u * static_cast<uint32_t>(node.depth) : 0u));
      }
    }
    REQUIRE(finals == 1);
  }
}

TEST_CASE("tree all-reduce: a rank sends its half once up and once to each child", "[unit][sim][tree]") {
  const int n = GENERATE(range(2, 18));
  const size_t count = 1000;
  const SimCall call{Collective::kAllReduce, &treeAllReducePlan, n, count};
  const SimResult result = simulateCall(call, {.chunkElems = 64, .slots = 2});
  REQUIRE(result.error == "");
  const auto nodes = allNodes(naturalOrder(n));
  for (int r = 0; r < n; ++r) {
    size_t sends = 0, recvs = 0;
    for (size_t t = 0; t < 2; ++t) {
      const TreeNode& node = nodes[t][static_cast<size_t>(r)];
      const size_t links = node.children.size() + (node.parent == kNoPeer ? 0 : 1);
      sends += count / 2 * links;  // the halves of 1000 are equal
      recvs += count / 2 * links;
    }
    INFO("n " << n << " rank " << r);
    REQUIRE(result.sentElems[static_cast<size_t>(r)] == sends);
    REQUIRE(result.recvElems[static_cast<size_t>(r)] == recvs);
    REQUIRE(sends <= 2 * count);  // like the ring's 2(n-1)/n, since a rank is interior in one tree at most
  }
}

TEST_CASE("tree all-reduce pipelines: a call costs its chunks, plus a few rounds per level", "[unit][sim][tree]") {
  // 17 ranks, 500 one-element chunks per tree, height 4. A rank interior in a tree moves four
  // chunks a round (two up, two down), so 2000 ticks is the floor. Waiting for each chunk's trip
  // to the root and back would cost about 8 hops of a few ticks each per chunk instead.
  const int n = 17;
  const SimCall call{Collective::kAllReduce, &treeAllReducePlan, n, 1000};
  const SimResult result = simulateCall(call, {.chunkElems = 1, .slots = 2});
  REQUIRE(result.error == "");
  INFO("ticks " << result.ticks);
  REQUIRE(result.ticks >= 4 * 500);
  REQUIRE(result.ticks <= static_cast<size_t>(4 * 500 + 4 * 2 * floorLog2(n) + 20));
}

TEST_CASE("tree all-reduce is offered after the ring, which stays the default", "[unit][plan][tree]") {
  const auto algorithms = algorithmsFor(Collective::kAllReduce);
  REQUIRE(algorithms.size() >= 2);
  REQUIRE(algorithms[0].name == "ring");
  REQUIRE(algorithms[1].name == "tree");
  REQUIRE(findAlgorithm(Collective::kAllReduce, "tree")->plan == &treeAllReducePlan);
  REQUIRE(treeAllReducePlan({Collective::kAllReduce, 10, 1, naturalRing(1, 0)}).algorithm == "tree");
}

}  // namespace fccl::test
