#include "harness/collective_sim.h"

#include "algorithms/hier/hierarchy.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace fccl::test {
namespace {

constexpr double kUnwritten = -1;  // what an output holds before the call; no input is negative

size_t inputCount(const SimCall& call) {
  return call.collective == Collective::kReduceScatter ? call.count * static_cast<size_t>(call.nranks) : call.count;
}
size_t outputCount(const SimCall& call) {
  return call.collective == Collective::kAllGather ? call.count * static_cast<size_t>(call.nranks) : call.count;
}

// The API's layouts: in place, all-gather's input is the rank's block of the output, and
// reduce-scatter's output the rank's block of the input; otherwise input and output coincide.
// The rank's buffers, and the scratch its plan asks for (extraBuffer(0)) after them.
SimRank withScratch(SimRank rank) {
  if (rank.plan.scratchElems == 0) return rank;
  rank.extra.push_back({rank.memory.size(), rank.plan.scratchElems});
  rank.memory.resize(rank.memory.size() + rank.plan.scratchElems, kUnwritten);
  return rank;
}

SimRank bufferLayout(const SimCall& call, int rank, Plan plan);

SimRank layout(const SimCall& call, int rank, Plan plan) { return withScratch(bufferLayout(call, rank, std::move(plan))); }

SimRank bufferLayout(const SimCall& call, int rank, Plan plan) {
  std::vector<double> input(inputCount(call));
  for (size_t i = 0; i < input.size(); ++i) input[i] = simInput(rank, i, call.nranks);
  if (!call.inPlace) return outOfPlaceRank(std::move(plan), input, outputCount(call), kUnwritten);
  const size_t block = static_cast<size_t>(rank) * call.count;
  switch (call.collective) {
    case Collective::kAllGather: {
      std::vector<double> output(outputCount(call), kUnwritten);
      std::copy(input.begin(), input.end(), output.begin() + static_cast<std::ptrdiff_t>(block));
      return inPlaceRank(std::move(plan), std::move(output), block, call.count);
    }
    case Collective::kReduceScatter: {
      const size_t size = input.size();
      return SimRank{std::move(plan), std::move(input), {0, size}, {block, call.count}, {}};
    }
    default: return inPlaceRank(std::move(plan), std::move(input), 0, call.count);
  }
}

// Element i of `rank`'s output after the call; `before` is that output before it.
double expected(const SimCall& call, bool average, int rank, size_t i, const std::vector<double>& before) {
  const int n = call.nranks;
  auto reduced = [&](size_t element) {
    double sum = 0;
    for (int r = 0; r < n; ++r) sum += simInput(r, element, n);
    return average ? sum / n : sum;
  };
  switch (call.collective) {
    case Collective::kAllReduce: return reduced(i);
    case Collective::kAllGather: return simInput(static_cast<int>(i / call.count), i % call.count, n);
    case Collective::kReduceScatter: return reduced(static_cast<size_t>(rank) * call.count + i);
    case Collective::kBroadcast: return simInput(call.root, i, n);
    case Collective::kReduce: return rank == call.root ? reduced(i) : before[i];
    default: break;  // all-to-all has no PlanRequest plan to simulate here
  }
  return NAN;
}

}  // namespace

double simInput(int rank, size_t i, int nranks) {
  return std::ldexp(1.0, 2 * rank) + static_cast<double>(i) * std::ldexp(1.0, 2 * nranks);
}

std::vector<Plan> plansOf(const SimCall& call, size_t chunkElems) {
  std::vector<Plan> plans;
  std::vector<int> order(static_cast<size_t>(call.nranks)), domains = call.domainOf;
  for (int r = 0; r < call.nranks; ++r) order[static_cast<size_t>(r)] = r;
  if (domains.empty()) domains.assign(order.size(), 0);
  for (int r = 0; r < call.nranks; ++r) {
    const Ring ring = naturalRing(call.nranks, r);
    auto hierarchy = makeHierarchy(order, domains, r);
    plans.push_back(call.plan(PlanRequest{call.collective, call.count, call.channels, ring, call.root,
                                          hierarchy.isOk() ? &*hierarchy : nullptr, chunkElems}));
  }
  return plans;
}

SimResult simulateCall(const SimCall& call, const SimOptions& options) {
  std::vector<SimRank> ranks;
  std::vector<std::vector<double>> before;
  std::vector<Plan> plans = plansOf(call, options.chunkElems);
  for (int r = 0; r < call.nranks; ++r) {
    ranks.push_back(layout(call, r, std::move(plans[static_cast<size_t>(r)])));
    before.push_back(contents(ranks.back(), ranks.back().output));
  }
  SimResult result = simulate(ranks, options);
  for (int r = 0; r < call.nranks && result.ok(); ++r) {
    const std::vector<double> got = contents(ranks[static_cast<size_t>(r)], ranks[static_cast<size_t>(r)].output);
    for (size_t i = 0; i < got.size(); ++i) {
      const double want = expected(call, options.average, r, i, before[static_cast<size_t>(r)]);
      if (got[i] == want) continue;
      std::ostringstream out;
      out.precision(17);
      out << "rank " << r << " output element " << i << ": got " << got[i] << ", want " << want;
      result.error = out.str();
      break;
    }
  }
  return result;
}

}  // namespace fccl::test
