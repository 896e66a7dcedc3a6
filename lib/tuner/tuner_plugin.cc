#include "tuner/tuner_plugin.h"

#include <dlfcn.h>

#include "common/env.h"
#include "common/log.h"
#include "common/plugin_hooks.h"

namespace fccl {
namespace {

void forwardLog(fcclLogLevel_t level, const char* message) {
  plugin::forwardLog(level, message, Subsys::kTune, "tuner plugin");
}

constexpr size_t kV1Bytes = sizeof(fcclTuner_v1_t);

}  // namespace

int tunerAlgoIndex(std::string_view algorithm) {
  if (algorithm == "ring") return fcclTunerAlgoRing;
  if (algorithm == "tree") return fcclTunerAlgoTree;
  if (algorithm == "doubling") return fcclTunerAlgoDoubling;
  if (algorithm == "nvls") return fcclTunerAlgoNvls;
  if (algorithm == "nvls_oneshot") return fcclTunerAlgoNvlsOneShot;
  if (algorithm == "hier") return fcclTunerAlgoHier;
  return -1;
}

int tunerCollIndex(Collective collective) {
  switch (collective) {
    case Collective::kAllReduce: return fcclTunerAllReduce;
    case Collective::kAllGather: return fcclTunerAllGather;
    case Collective::kReduceScatter: return fcclTunerReduceScatter;
    case Collective::kBroadcast: return fcclTunerBroadcast;
    case Collective::kReduce: return fcclTunerReduce;
    default: return -1;
  }
}

TunerPlugin::TunerPlugin(const fcclTuner_v1_t* plugin, std::string origin, void* library, void* ctx, int maxChannels)
    : plugin_(plugin), origin_(std::move(origin)), library_(library), ctx_(ctx), maxChannels_(maxChannels) {}

TunerPlugin::~TunerPlugin() {
  Status s = plugin::callHook("tuner", plugin_->name, "finalize", [&] { return plugin_->finalize(ctx_); });
  if (!s.isOk()) FCCL_INFO(Subsys::kTune, "%s", s.message().c_str());
  if (library_) dlclose(library_);
}

Expected<std::unique_ptr<TunerPlugin>> TunerPlugin::load(const fcclTunerTopo_t& topo) {
  auto path = envString("FCCL_TUNER_PLUGIN");
  if (!path) return std::unique_ptr<TunerPlugin>();
  void* library = dlopen(path->c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char* why = dlerror();
    return Status(Code::kInvalidUsage, "FCCL_TUNER_PLUGIN=" + *path + ": cannot load: " + (why ? why : "unknown error"));
  }
  const auto* plugin = static_cast<const fcclTuner_v1_t*>(dlsym(library, FCCL_TUNER_PLUGIN_SYMBOL));
  if (!plugin) {
    dlclose(library);
    return Status(Code::kInvalidUsage,
                  "FCCL_TUNER_PLUGIN=" + *path + " does not export " + std::string(FCCL_TUNER_PLUGIN_SYMBOL));
  }
  auto loaded = fromPlugin(plugin, *path, library, topo);
  if (!loaded.isOk()) dlclose(library);
  return loaded;
}

Expected<std::unique_ptr<TunerPlugin>> TunerPlugin::fromPlugin(const fcclTuner_v1_t* plugin, std::string origin,
                                                               void* library, const fcclTunerTopo_t& topo) {
  const std::string where = "tuner plugin " + origin;
  if (!plugin) return Status(Code::kInvalidUsage, where + ": NULL plugin struct");
  if (plugin->size < kV1Bytes)
    return Status(Code::kInvalidUsage, where + ": struct of " + std::to_string(plugin->size) + " bytes, version 1 has " +
                                           std::to_string(kV1Bytes));
  if ((plugin->version >> 16) != 1)
    return Status(Code::kInvalidUsage, where + ": ABI major version " + std::to_string(plugin->version >> 16) +
                                           ", this fccl speaks 1");
  FCCL_TRY(plugin::firstMissing(where, {{"name", plugin->name != nullptr},
                                        {"init", plugin->init != nullptr},
                                        {"getCollInfo", plugin->getCollInfo != nullptr},
                                        {"finalize", plugin->finalize != nullptr}}));
  void* ctx = nullptr;
  FCCL_TRY(plugin::callHook("tuner", plugin->name, "init", [&] { return plugin->init(&topo, forwardLog, &ctx); }));
  FCCL_INFO(Subsys::kTune, "tuner plugin '%s' loaded from %s", plugin->name, origin.c_str());
  return std::unique_ptr<TunerPlugin>(new TunerPlugin(plugin, std::move(origin), library, ctx, topo.maxChannels));
}

Status TunerPlugin::reprice(fcclTunerColl_t coll, size_t bytes, float* costs, int* channels) {
  float before[kTunerTableSize];
  std::copy(costs, costs + kTunerTableSize, before);
  FCCL_TRY(plugin::callHook("tuner", plugin_->name, "getCollInfo", [&] {
    return plugin_->getCollInfo(ctx_, coll, bytes, costs, fcclTunerNumAlgos, fcclTunerNumProtos, channels);
  }));
  // A pair that cannot run stays out; one the plugin priced negative (or NaN) it has ruled out.
  for (int i = 0; i < kTunerTableSize; ++i) {
    if (before[i] < 0) costs[i] = before[i];
    else if (!(costs[i] >= 0)) costs[i] = -1;
  }
  if (*channels < 1 || *channels > maxChannels_)
    return Status(Code::kInvalidUsage, "tuner plugin '" + std::string(plugin_->name) + "' asked for " +
                                           std::to_string(*channels) + " channels (1.." + std::to_string(maxChannels_) + ")");
  return Status::ok();
}

}  // namespace fccl
