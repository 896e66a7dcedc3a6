// The algorithm layer's entry: which collectives exist, and for each the algorithms that can
// plan it, with a one-line reason the tuner prints when it picks one (FCCL_ALGO forces one).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

#include "algorithms/common/plan.h"
#include "algorithms/ring/ring.h"

namespace fccl {

// All-to-all and all-to-allv have no entry in the algorithm table: they are exchange plans
// (algorithms/exchange), the same for every topology so far.
enum class Collective : uint8_t { kAllReduce, kAllGather, kReduceScatter, kBroadcast, kReduce, kAllToAll, kAllToAllv };
std::string_view collectiveName(Collective c);

// What an algorithm needs to know to plan one call. `count` is the API's count: all elements
// for all-reduce, broadcast and reduce, elements per rank for all-gather (sendcount) and
// reduce-scatter (recvcount). `root` matters to broadcast and reduce only.
struct Hierarchy;

struct PlanRequest {
  Collective collective;
  size_t count;
  int channels;
  const Ring& ring;
  int root = 0;
  // The domain and rail rings (algorithms/hier); hierarchical plans need them.
  const Hierarchy* hierarchy = nullptr;
  // Elements per chunk, as the executor will cut them; plans whose phases must not overlap lag
  // by it. 0: unknown (taken as 1, which only delays).
  size_t chunkElems = 0;
  // Multicast plans (algorithms/nvls): elements of one member's multicast window, and whether
  // every member's input and output are mapped by the others (zero copy, no staging).
  size_t windowElems = 0;
  bool zeroCopy = false;
};

using PlanFn = Plan (*)(const PlanRequest&);

struct Algorithm {
  std::string_view name;
  std::string_view reason;
  Collective collective;
  PlanFn plan;
};

// Every algorithm that can plan `c`; the tuner (lib/tuner) picks among them per call.
std::span<const Algorithm> algorithmsFor(Collective c);
// The algorithm called `name` for `c`, or nullopt when there is none.
std::optional<Algorithm> findAlgorithm(Collective c, std::string_view name);

Plan ringAllReducePlan(const PlanRequest& req);
Plan treeAllReducePlan(const PlanRequest& req);
Plan doublingAllReducePlan(const PlanRequest& req);
Plan hierAllReducePlan(const PlanRequest& req);
Plan hierAllGatherPlan(const PlanRequest& req);
Plan hierReduceScatterPlan(const PlanRequest& req);
Plan nvlsAllReducePlan(const PlanRequest& req);
Plan nvlsOneShotAllReducePlan(const PlanRequest& req);
Plan nvlsAllGatherPlan(const PlanRequest& req);
Plan nvlsReduceScatterPlan(const PlanRequest& req);
// All-to-all of `count` elements per pair straight into the members' outputs (zero copy only:
// every member's output mapped by the others).
Plan nvlsAllToAllPlan(int rank, int nranks, size_t count);
Plan ringAllGatherPlan(const PlanRequest& req);
Plan ringReduceScatterPlan(const PlanRequest& req);
Plan chainBroadcastPlan(const PlanRequest& req);
Plan chainReducePlan(const PlanRequest& req);

}  // namespace fccl
