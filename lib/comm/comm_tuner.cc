// The communicator's tuner: the shape of its topology, and cost figures that every rank shares.
// Each rank reads its own calibration file (FCCL_TUNER_FILE); ranks that priced plans with
// different figures would choose different plans for one call, so every rank takes rank 0's.
#include <map>
#include <string>

#include "comm/communicator.h"
#include "common/log.h"

namespace fccl {
namespace {

TopoShape shapeOf(const std::vector<RankPlace>& places, const std::vector<int>& ringOrder, bool hierarchy,
                  bool multicastDevice, const CommOptions& options) {
  TopoShape shape;
  shape.nranks = static_cast<int>(places.size());
  std::map<uint64_t, int> perDomain;
  for (const RankPlace& p : places) ++perDomain[p.domain];
  shape.domains = static_cast<int>(perDomain.size());
  shape.ranksPerDomain = perDomain.begin()->second;
  for (const auto& [domain, count] : perDomain)
    if (count != shape.ranksPerDomain) shape.ranksPerDomain = 0;
  // Scale-up joins two ranks of one domain and one kernel (topology/hop_choice.h): a relation
  // that holds for every pair exactly when every rank shares rank 0's domain and kernel.
  const bool forcedOut = options.transport == "scaleout";
  auto joined = [&](const RankPlace& a, const RankPlace& b) { return a.domain == b.domain && a.kernel == b.kernel; };
  shape.allScaleUp = !forcedOut;
  for (const RankPlace& p : places) shape.allScaleUp = shape.allScaleUp && joined(p, places.front());
  shape.ringScaleOut = forcedOut && places.size() > 1;
  for (size_t i = 0; i < ringOrder.size() && ringOrder.size() > 1; ++i)
    if (!joined(places[static_cast<size_t>(ringOrder[i])], places[static_cast<size_t>(ringOrder[(i + 1) % ringOrder.size()])]))
      shape.ringScaleOut = true;
  shape.hierarchy = hierarchy;
  shape.multicast = shape.allScaleUp && shape.domains == 1 && multicastDevice && shape.nranks <= kMaxMulticastMembers;
  shape.maxChannels = options.maxChannels;
  return shape;
}

}  // namespace

Status Communicator::startTuner(const std::vector<RankPlace>& places) {
  FCCL_ASSIGN_OR_RETURN(CostParams mine, costParamsFromEnv());
  struct Figures {
    double values[kCostFigureCount];
  };
  std::vector<Figures> all(static_cast<size_t>(nranks_));
  toFigures(mine, all[static_cast<size_t>(rank_)].values);
  FCCL_TRY(bootstrap_->allGather(std::as_writable_bytes(std::span(all)), sizeof(Figures)).context("sharing tuner figures"));
  CostParams params = mine;
  if (rank_ != 0) {
    FCCL_ASSIGN_OR_RETURN(params, fromFigures(all[0].values, "rank 0's " + mine.source));
  }
  const TopoShape shape = shapeOf(places, ringOrder_, hierarchy_.has_value(), device_->hasMulticast(), options_);
  const fcclTunerTopo_t topo{shape.nranks, shape.domains, shape.ranksPerDomain, shape.maxChannels};
  FCCL_ASSIGN_OR_RETURN(std::unique_ptr<TunerPlugin> plugin, TunerPlugin::load(topo));
  TunerOverrides overrides = parseAlgorithmList(options_.algorithm);
  overrides.proto = options_.proto;
  overrides.channels = options_.channels;
  FCCL_INFO(Subsys::kTune, "tuner: %d rank(s) in %d scale-up domain(s)%s%s%s; figures %s", shape.nranks, shape.domains,
            shape.allScaleUp ? ", every hop scale-up" : "", shape.multicast ? ", multicast object (NVLS) possible" : "",
            shape.ringScaleOut ? ", the ring crosses the net" : "",
            params.describe().c_str());
  tuner_ = std::make_unique<Tuner>(std::move(params), shape, std::move(overrides),
                                   ChunkLimits{options_.chunkBytes, options_.llChunkBytes}, std::move(plugin));
  return Status::ok();
}

}  // namespace fccl
