#include "tuner/topo_shape.h"

#include <map>

namespace fccl {

TopoShape shapeOf(std::span<const ShapePlace> places, std::span<const int> ringOrder, bool hierarchy,
                  bool forcedScaleOut, int maxChannels, bool multicastDevice) {
  TopoShape shape;
  shape.nranks = static_cast<int>(places.size());
  std::map<uint64_t, int> perDomain;
  for (const ShapePlace& p : places) ++perDomain[p.domain];
  shape.domains = static_cast<int>(perDomain.size());
  shape.ranksPerDomain = perDomain.empty() ? 0 : perDomain.begin()->second;
  for (const auto& [domain, count] : perDomain)
    if (count != shape.ranksPerDomain) shape.ranksPerDomain = 0;
  // Scale-up joins two ranks of one domain and one kernel (topology/hop_choice.h): a relation
  // that holds for every pair exactly when every rank shares rank 0's domain and kernel.
  auto joined = [](const ShapePlace& a, const ShapePlace& b) { return a.domain == b.domain && a.kernel == b.kernel; };
  shape.allScaleUp = !forcedScaleOut;
  for (const ShapePlace& p : places) shape.allScaleUp = shape.allScaleUp && joined(p, places.front());
  shape.ringScaleOut = forcedScaleOut && places.size() > 1;
  for (size_t i = 0; i < ringOrder.size() && ringOrder.size() > 1; ++i)
    if (!joined(places[static_cast<size_t>(ringOrder[i])], places[static_cast<size_t>(ringOrder[(i + 1) % ringOrder.size()])]))
      shape.ringScaleOut = true;
  shape.hierarchy = hierarchy;
  shape.multicast = shape.allScaleUp && shape.domains == 1 && multicastDevice;
  shape.maxChannels = maxChannels;
  return shape;
}

}  // namespace fccl
