#include "topology/fabric_figures.h"

namespace fccl {
namespace {

constexpr int kMaxDimension = 1 << 20;

Expected<ScaleUpFigures> scaleUpOf(const Json& j, const JsonSource& src) {
  const std::string at = "fabric.scaleup";
  FCCL_TRY(checkKeys(j, {"shape", "dims", "link_GBps", "latency_us", "channel_GBps", "switch_GBps"}, at, src));
  ScaleUpFigures f;
  FCCL_ASSIGN_OR_RETURN(std::string shape, stringField(j, "shape", at, src, false));
  if (shape == "ring") {
    f.shape = ScaleUpShape::kRing;
  } else if (shape == "torus") {
    f.shape = ScaleUpShape::kTorus;
  } else if (!shape.empty() && shape != "switch") {
    return fieldError(src, at + ".shape", "must be \"switch\", \"ring\" or \"torus\", not \"" + shape + "\"");
  }
  auto dims = j.find("dims");
  if (f.shape == ScaleUpShape::kSwitch && dims != j.end())
    return fieldError(src, at + ".dims", "only a ring or a torus has dimensions");
  if (f.shape != ScaleUpShape::kSwitch) {
    if (dims == j.end() || !dims->is_array() || dims->empty())
      return fieldError(src, at + ".dims", "must be a non-empty array of ranks per dimension");
    if (f.shape == ScaleUpShape::kRing && dims->size() != 1)
      return fieldError(src, at + ".dims", "a ring has one dimension");
    for (size_t i = 0; i < dims->size(); ++i) {
      const Json& d = (*dims)[i];
      if (!d.is_number_integer() || d.get<int64_t>() < 2 || d.get<int64_t>() > kMaxDimension)
        return fieldError(src, at + ".dims[" + std::to_string(i) + "]", "must be an integer of at least 2");
      f.dims.push_back(static_cast<int>(d.get<int64_t>()));
    }
  }
  FCCL_ASSIGN_OR_RETURN(f.linkGBps, positiveNumberField(j, "link_GBps", at, src, -1));
  FCCL_ASSIGN_OR_RETURN(f.latencyUs, positiveNumberField(j, "latency_us", at, src, -1));
  FCCL_ASSIGN_OR_RETURN(f.channelGBps, positiveNumberField(j, "channel_GBps", at, src, 0));
  FCCL_ASSIGN_OR_RETURN(f.switchGBps, positiveNumberField(j, "switch_GBps", at, src, 0));
  return f;
}

Expected<NvlsFigures> nvlsOf(const Json& j, const JsonSource& src) {
  const std::string at = "fabric.nvls";
  FCCL_TRY(checkKeys(j, {"reduce_GBps", "multicast_GBps", "latency_us"}, at, src));
  NvlsFigures f;
  FCCL_ASSIGN_OR_RETURN(f.reduceGBps, positiveNumberField(j, "reduce_GBps", at, src, -1));
  FCCL_ASSIGN_OR_RETURN(f.multicastGBps, positiveNumberField(j, "multicast_GBps", at, src, -1));
  FCCL_ASSIGN_OR_RETURN(f.latencyUs, positiveNumberField(j, "latency_us", at, src, -1));
  return f;
}

Expected<DeviceFigures> deviceOf(const Json& j, const JsonSource& src) {
  const std::string at = "fabric.device";
  FCCL_TRY(checkKeys(j, {"reduce_GBps", "copy_GBps"}, at, src));
  DeviceFigures f;
  FCCL_ASSIGN_OR_RETURN(f.reduceGBps, positiveNumberField(j, "reduce_GBps", at, src, -1));
  FCCL_ASSIGN_OR_RETURN(f.copyGBps, positiveNumberField(j, "copy_GBps", at, src, -1));
  return f;
}

Expected<ScaleOutFigures> scaleOutOf(const Json& j, const JsonSource& src) {
  const std::string at = "fabric.scaleout";
  FCCL_TRY(checkKeys(j, {"latency_us", "spine_latency_us", "nic_GBps", "channel_GBps", "leaf_ports", "oversubscription"},
                     at, src));
  ScaleOutFigures f;
  FCCL_ASSIGN_OR_RETURN(f.latencyUs, positiveNumberField(j, "latency_us", at, src, -1));
  FCCL_ASSIGN_OR_RETURN(f.spineLatencyUs, positiveNumberField(j, "spine_latency_us", at, src, 0));
  FCCL_ASSIGN_OR_RETURN(f.nicGBps, positiveNumberField(j, "nic_GBps", at, src, 0));
  FCCL_ASSIGN_OR_RETURN(f.channelGBps, positiveNumberField(j, "channel_GBps", at, src, 0));
  if (j.contains("leaf_ports")) {
    FCCL_ASSIGN_OR_RETURN(f.leafPorts, positiveIntField(j, "leaf_ports", at, src, 0, kMaxDimension));
  }
  FCCL_ASSIGN_OR_RETURN(f.oversubscription, positiveNumberField(j, "oversubscription", at, src, 1));
  return f;
}

Expected<std::map<std::string, std::string>> sourcesOf(const Json& j, const JsonSource& src) {
  std::map<std::string, std::string> out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!it->is_string()) return fieldError(src, "fabric.sources." + it.key(), "must be a string");
    out[it.key()] = it->get<std::string>();
  }
  return out;
}

}  // namespace

Expected<FabricFigures> parseFabric(const Json& fabric, const JsonSource& src) {
  if (!fabric.is_object()) return fieldError(src, "fabric", "must be an object");
  FCCL_TRY(checkKeys(fabric, {"scaleup", "nvls", "device", "scaleout", "kernel_GBps", "sources"}, "fabric", src));
  FabricFigures f;
  FCCL_ASSIGN_OR_RETURN(const Json* up, objectField(fabric, "scaleup", "fabric", src, true));
  FCCL_ASSIGN_OR_RETURN(f.scaleUp, scaleUpOf(*up, src));
  FCCL_ASSIGN_OR_RETURN(const Json* nvls, objectField(fabric, "nvls", "fabric", src, false));
  if (nvls) {
    FCCL_ASSIGN_OR_RETURN(f.nvls, nvlsOf(*nvls, src));
  }
  FCCL_ASSIGN_OR_RETURN(const Json* device, objectField(fabric, "device", "fabric", src, true));
  FCCL_ASSIGN_OR_RETURN(f.device, deviceOf(*device, src));
  FCCL_ASSIGN_OR_RETURN(const Json* out, objectField(fabric, "scaleout", "fabric", src, false));
  if (out) {
    FCCL_ASSIGN_OR_RETURN(f.scaleOut, scaleOutOf(*out, src));
  }
  FCCL_ASSIGN_OR_RETURN(f.kernelGBps, positiveNumberField(fabric, "kernel_GBps", "fabric", src, 0));
  FCCL_ASSIGN_OR_RETURN(const Json* sources, objectField(fabric, "sources", "fabric", src, false));
  if (sources) {
    FCCL_ASSIGN_OR_RETURN(f.sources, sourcesOf(*sources, src));
  }
  return f;
}

Json fabricJson(const FabricFigures& f) {
  Json up = {{"link_GBps", f.scaleUp.linkGBps}, {"latency_us", f.scaleUp.latencyUs}};
  if (f.scaleUp.shape != ScaleUpShape::kSwitch) {
    up["shape"] = f.scaleUp.shape == ScaleUpShape::kRing ? "ring" : "torus";
    up["dims"] = f.scaleUp.dims;
  }
  if (f.scaleUp.channelGBps > 0) up["channel_GBps"] = f.scaleUp.channelGBps;
  if (f.scaleUp.switchGBps > 0) up["switch_GBps"] = f.scaleUp.switchGBps;
  Json out = {{"scaleup", up}, {"device", {{"reduce_GBps", f.device.reduceGBps}, {"copy_GBps", f.device.copyGBps}}}};
  if (f.nvls)
    out["nvls"] = {{"reduce_GBps", f.nvls->reduceGBps}, {"multicast_GBps", f.nvls->multicastGBps},
                   {"latency_us", f.nvls->latencyUs}};
  if (f.scaleOut) {
    Json so = {{"latency_us", f.scaleOut->latencyUs}, {"oversubscription", f.scaleOut->oversubscription}};
    if (f.scaleOut->spineLatencyUs > 0) so["spine_latency_us"] = f.scaleOut->spineLatencyUs;
    if (f.scaleOut->nicGBps > 0) so["nic_GBps"] = f.scaleOut->nicGBps;
    if (f.scaleOut->channelGBps > 0) so["channel_GBps"] = f.scaleOut->channelGBps;
    if (f.scaleOut->leafPorts > 0) so["leaf_ports"] = f.scaleOut->leafPorts;
    out["scaleout"] = so;
  }
  if (f.kernelGBps > 0) out["kernel_GBps"] = f.kernelGBps;
  if (!f.sources.empty()) out["sources"] = f.sources;
  return out;
}

}  // namespace fccl
