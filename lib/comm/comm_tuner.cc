// The communicator's tuner: the shape of its topology, and cost figures that every rank shares.
// Each rank reads its own calibration file (FCCL_TUNER_FILE); ranks that priced plans with
// different figures would choose different plans for one call, so every rank takes rank 0's.
#include <algorithm>
#include <string>

#include "comm/communicator.h"
#include "common/log.h"

namespace fccl {
namespace {

TopoShape shapeOfPlaces(const std::vector<RankPlace>& places, const std::vector<int>& ringOrder, bool hierarchy,
                        bool multicastDevice, const CommOptions& options) {
  std::vector<ShapePlace> shapePlaces;
  for (const RankPlace& p : places) shapePlaces.push_back({p.domain, p.kernel});
  return shapeOf(shapePlaces, ringOrder, hierarchy, options.transport == "scaleout", options.maxChannels,
                 multicastDevice && static_cast<int>(places.size()) <= kMaxMulticastMembers);
}

}  // namespace

Status Communicator::startTuner(const std::vector<RankPlace>& places) {
  FCCL_ASSIGN_OR_RETURN(CostParams mine, costParamsFromEnv());
  struct Figures {
    double values[kCostFigureCount];
    double oversubscribed;  // 1: this rank's host runs more ranks than it has CPUs
  };
  std::vector<Figures> all(static_cast<size_t>(nranks_));
  toFigures(mine, all[static_cast<size_t>(rank_)].values);
  all[static_cast<size_t>(rank_)].oversubscribed = oversubscribed_ ? 1 : 0;
  FCCL_TRY(bootstrap_->allGather(std::as_writable_bytes(std::span(all)), sizeof(Figures)).context("sharing tuner figures"));
  CostParams params = mine;
  if (rank_ != 0) {
    FCCL_ASSIGN_OR_RETURN(params, fromFigures(all[0].values, "rank 0's " + mine.source));
  }
  TopoShape shape = shapeOfPlaces(places, ringOrder_, hierarchy_.has_value(), device_->hasMulticast(), options_);
  // Every rank must price alike: the job counts as oversubscribed where any host is.
  shape.oversubscribed = std::any_of(all.begin(), all.end(), [](const Figures& f) { return f.oversubscribed != 0; });
  const fcclTunerTopo_t topo{shape.nranks, shape.domains, shape.ranksPerDomain, shape.maxChannels};
  FCCL_ASSIGN_OR_RETURN(std::unique_ptr<TunerPlugin> plugin, TunerPlugin::load(topo));
  TunerOverrides overrides = parseAlgorithmList(options_.algorithm);
  overrides.proto = options_.proto;
  overrides.channels = options_.channels;
  FCCL_INFO(Subsys::kTune, "tuner: %d rank(s) in %d scale-up domain(s)%s%s%s%s; figures %s", shape.nranks, shape.domains,
            shape.allScaleUp ? ", every hop scale-up" : "", shape.multicast ? ", multicast object (NVLS) possible" : "",
            shape.ringScaleOut ? ", the ring crosses the net" : "", shape.oversubscribed ? ", more ranks than CPUs" : "",
            params.describe().c_str());
  tuner_ = std::make_unique<Tuner>(std::move(params), shape, std::move(overrides),
                                   ChunkLimits{options_.chunkBytes, options_.llChunkBytes}, std::move(plugin));
  return Status::ok();
}

}  // namespace fccl
