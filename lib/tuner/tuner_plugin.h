// A tuner plugin (fccl_tuner.h) loaded from FCCL_TUNER_PLUGIN: validated when loaded (struct
// size, major version, name and every hook), initialised with the communicator's shape, and
// asked to reprice each new (collective, size) before the tuner picks.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "algorithms/algorithms.h"
#include "algorithms/common/protocol.h"
#include "common/expected.h"
#include "fccl/fccl_tuner.h"

namespace fccl {

// Entries of the plugin's price table, and the column count of its rows.
constexpr int kTunerProtos = static_cast<int>(fcclTunerNumProtos);
constexpr int kTunerTableSize = static_cast<int>(fcclTunerNumAlgos) * kTunerProtos;

// The row of the plugin's price table for an algorithm, or -1 for one it has no row for.
int tunerAlgoIndex(std::string_view algorithm);
// The plugin's collective for ours, or -1 for one it is not asked about.
int tunerCollIndex(Collective collective);

class TunerPlugin {
 public:
  // The plugin FCCL_TUNER_PLUGIN names, or nullptr when it is unset. Errors name the library.
  static Expected<std::unique_ptr<TunerPlugin>> load(const fcclTunerTopo_t& topo);
  // Validates `plugin` and runs its init; `origin` names it in messages; `library` is the dlopen
  // handle to keep (may be null for a struct built into the caller).
  static Expected<std::unique_ptr<TunerPlugin>> fromPlugin(const fcclTuner_v1_t* plugin, std::string origin,
                                                           void* library, const fcclTunerTopo_t& topo);
  ~TunerPlugin();
  TunerPlugin(const TunerPlugin&) = delete;
  TunerPlugin& operator=(const TunerPlugin&) = delete;

  std::string_view name() const { return plugin_->name; }
  // costs: fcclTunerNumAlgos x fcclTunerNumProtos; *channels in and out. The plugin's changes
  // to pairs that cannot run (cost < 0 on entry) are undone; a channel count outside
  // 1..maxChannels is an error.
  Status reprice(fcclTunerColl_t coll, size_t bytes, float* costs, int* channels);

 private:
  TunerPlugin(const fcclTuner_v1_t* plugin, std::string origin, void* library, void* ctx, int maxChannels);
  const fcclTuner_v1_t* plugin_;
  std::string origin_;
  void* library_;
  void* ctx_;
  int maxChannels_;
};

}  // namespace fccl
