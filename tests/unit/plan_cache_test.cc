// The communicator's plan cache: a request seen again gets the plan built the first time (built
// once), a different request its own plan, the oldest entry goes when the cache is full, and
// what a call records about its connections stays with its plan.
#include <catch2/catch.hpp>

#include "algorithms/algorithms.h"
#include "comm/plan_cache.h"

namespace fccl::test {
namespace {

int gBuilds = 0;

Plan countingRingPlan(const PlanRequest& request) {
  ++gBuilds;
  return ringAllReducePlan(request);
}

}  // namespace

TEST_CASE("a request seen again gets the plan built the first time", "[unit][plan_cache]") {
  gBuilds = 0;
  PlanCache cache;
  const Ring ring = naturalRing(4, 1);
  const PlanRequest request{Collective::kAllReduce, 1000, 2, ring, 0, nullptr, 64};
  CachedPlan& first = cache.get(countingRingPlan, request);
  CHECK(gBuilds == 1);
  CHECK(first.plan.channels.size() == 2);
  first.connected |= 1u;
  CachedPlan& again = cache.get(countingRingPlan, request);
  CHECK(gBuilds == 1);
  CHECK(&again == &first);
  CHECK(again.connected == 1u);
  // The same plan as a fresh build, step for step.
  const Plan fresh = ringAllReducePlan(request);
  REQUIRE(fresh.channels.size() == again.plan.channels.size());
  for (size_t c = 0; c < fresh.channels.size(); ++c)
    CHECK(fresh.channels[c].steps.size() == again.plan.channels[c].steps.size());
}

TEST_CASE("every field of a request keys its plan", "[unit][plan_cache]") {
  gBuilds = 0;
  PlanCache cache;
  const Ring ring = naturalRing(3, 0);
  auto with = [&](size_t count, int channels, int root, size_t chunkElems) {
    return PlanRequest{Collective::kAllReduce, count, channels, ring, root, nullptr, chunkElems};
  };
  const PlanRequest base = with(999, 1, 0, 32);
  cache.get(countingRingPlan, base);
  cache.get(countingRingPlan, with(1000, 1, 0, 32));
  CHECK(cache.get(countingRingPlan, with(999, 2, 0, 32)).plan.channels.size() == 2);
  cache.get(countingRingPlan, with(999, 1, 0, 16));
  cache.get(countingRingPlan, with(999, 1, 1, 32));
  CHECK(gBuilds == 5);
  CHECK(cache.get(countingRingPlan, base).connected == 0u);
  CHECK(gBuilds == 5);
  // Another algorithm for the same request is another plan.
  CHECK(cache.get(doublingAllReducePlan, base).plan.algorithm == "doubling");
  CHECK(cache.get(countingRingPlan, base).plan.algorithm == "ring");
  CHECK(gBuilds == 5);
}

TEST_CASE("a full cache makes room by dropping its oldest plan", "[unit][plan_cache]") {
  gBuilds = 0;
  PlanCache cache;
  const Ring ring = naturalRing(2, 0);
  auto request = [&](size_t count) { return PlanRequest{Collective::kAllReduce, count, 1, ring, 0, nullptr, 8}; };
  for (size_t count = 1; count <= 16; ++count) cache.get(countingRingPlan, request(count)).connected = 1u;
  CHECK(gBuilds == 16);
  for (size_t count = 1; count <= 16; ++count) cache.get(countingRingPlan, request(count));
  CHECK(gBuilds == 16);  // all 16 still there
  CHECK(cache.get(countingRingPlan, request(17)).connected == 0u);  // replaces count 1
  CHECK(gBuilds == 17);
  CHECK(cache.get(countingRingPlan, request(2)).connected == 1u);  // still there
  CHECK(gBuilds == 17);
  CHECK(cache.get(countingRingPlan, request(1)).connected == 0u);  // built again, in count 2's place
  CHECK(gBuilds == 18);
}

}  // namespace fccl::test
