#include "algorithms/algorithms.h"

namespace fccl {
namespace {

constexpr Algorithm kAlgorithms[] = {
    {"ring", "bandwidth-optimal: each rank sends 2(n-1)/n of the data, to one neighbour", Collective::kAllReduce,
     &ringAllReducePlan},
    {"tree", "double binary tree: log2(n) hops up and down instead of 2(n-1) ring steps, for small messages",
     Collective::kAllReduce, &treeAllReducePlan},
    {"doubling", "recursive doubling: log2(n) exchanges of the whole buffer instead of 2(n-1) ring steps, for small messages",
     Collective::kAllReduce, &doublingAllReducePlan},
    {"hier",
     "hierarchical: reduce-scatter in each scale-up domain, all-reduce across domains on one rail per local rank, "
     "all-gather in each domain",
     Collective::kAllReduce, &hierAllReducePlan},
    {"nvls",
     "multicast object: each rank reduces its slice from every member in one pass and stores the result to all "
     "(switch reduction and multicast, no ring steps)",
     Collective::kAllReduce, &nvlsAllReducePlan},
    {"nvls_oneshot", "multicast object, one shot: every rank reduces the whole tiny buffer from every member after one sync",
     Collective::kAllReduce, &nvlsOneShotAllReducePlan},
    {"ring", "bandwidth-optimal: each rank sends (n-1)/n of the data, to one neighbour", Collective::kAllGather,
     &ringAllGatherPlan},
    {"nvls", "multicast object: each rank stores its block to every member at once", Collective::kAllGather,
     &nvlsAllGatherPlan},
    {"hier", "hierarchical: all-gather along each rail across scale-up domains, then inside each domain",
     Collective::kAllGather, &hierAllGatherPlan},
    {"ring", "bandwidth-optimal: each rank sends (n-1)/n of the data, to one neighbour", Collective::kReduceScatter,
     &ringReduceScatterPlan},
    {"hier", "hierarchical: reduce-scatter inside each scale-up domain, then along each rail across domains",
     Collective::kReduceScatter, &hierReduceScatterPlan},
    {"nvls", "multicast object: each rank reduces its block from every member in one pass", Collective::kReduceScatter,
     &nvlsReduceScatterPlan},
    {"ring", "pipelined chain along the ring from the root: every rank receives and forwards each chunk once",
     Collective::kBroadcast, &chainBroadcastPlan},
    {"ring", "pipelined chain along the ring into the root: every rank adds its part to each chunk once",
     Collective::kReduce, &chainReducePlan},
};

}  // namespace

std::string_view collectiveName(Collective c) {
  switch (c) {
    case Collective::kAllReduce: return "allreduce";
    case Collective::kAllGather: return "allgather";
    case Collective::kReduceScatter: return "reducescatter";
    case Collective::kBroadcast: return "broadcast";
    case Collective::kReduce: return "reduce";
    case Collective::kAllToAll: return "alltoall";
    case Collective::kAllToAllv: return "alltoallv";
  }
  return "?";
}

std::span<const Algorithm> algorithmsFor(Collective c) {
  size_t first = 0;
  while (first < std::size(kAlgorithms) && kAlgorithms[first].collective != c) ++first;
  size_t last = first;
  while (last < std::size(kAlgorithms) && kAlgorithms[last].collective == c) ++last;
  return std::span<const Algorithm>(kAlgorithms).subspan(first, last - first);
}

std::optional<Algorithm> findAlgorithm(Collective c, std::string_view name) {
  for (const Algorithm& a : algorithmsFor(c))
    if (a.name == name) return a;
  return std::nullopt;
}

}  // namespace fccl
