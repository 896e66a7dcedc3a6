#include "device/device_checks.h"

#include <cstring>

#include "common/plugin_hooks.h"

namespace fccl {
namespace {

// The 1.1 stream hooks come all or none: a plugin may leave them all NULL (it has no streams),
// but half a set is a bug that would only show up at the first stream call.
Status checkStreams(const fcclDevice_v1_t* plugin, const std::string& where) {
  if (plugin->size < kDeviceSizeV1_1) return Status::ok();  // a 1.0 plugin: the fields are not there
  if (!plugin->streamCreate && !plugin->streamDestroy && !plugin->streamLaunchHostFn && !plugin->streamSynchronize &&
      !plugin->streamQuery)
    return Status::ok();
  return plugin::firstMissing(where + "stream hooks come all or none, but ",
                              {
                                  {"streamCreate", plugin->streamCreate != nullptr},
                                  {"streamDestroy", plugin->streamDestroy != nullptr},
                                  {"streamLaunchHostFn", plugin->streamLaunchHostFn != nullptr},
                                  {"streamSynchronize", plugin->streamSynchronize != nullptr},
                                  {"streamQuery", plugin->streamQuery != nullptr},
                              });
}

Status checkMulticast(const fcclDevice_v1_t* plugin, const std::string& where) {
  if (plugin->size < kDeviceSizeV1_2) return Status::ok();
  const bool fused = plugin->size >= kDeviceSizeV1_3 && plugin->multicastReduceStore != nullptr;
  if (!plugin->multicastReduce && !plugin->multicastStore) {
    if (fused)
      return Status(Code::kInvalidUsage,
                    where + "multicastReduceStore comes only with multicastReduce and multicastStore, which are NULL");
    return Status::ok();
  }
  return plugin::firstMissing(where + "multicast hooks come both or neither, but ",
                              {{"multicastReduce", plugin->multicastReduce != nullptr},
                               {"multicastStore", plugin->multicastStore != nullptr}});
}

}  // namespace

Status checkDevicePlugin(const fcclDevice_v1_t* plugin, const std::string& origin) {
  const std::string where = "device plugin " + origin + ": ";
  if (!plugin) return Status(Code::kInvalidUsage, where + FCCL_DEVICE_PLUGIN_SYMBOL " is NULL");
  if (plugin->size < kDeviceSizeV1_0)
    return Status(Code::kInvalidUsage, where + "struct size " + std::to_string(plugin->size) +
                                           " is smaller than fcclDevice_v1_t 1.0 (" + std::to_string(kDeviceSizeV1_0) +
                                           " bytes)");
  if ((plugin->version >> 16) != 1)
    return Status(Code::kInvalidUsage, where + "major version " + std::to_string(plugin->version >> 16) +
                                           ", fccl speaks version 1");
  if (!plugin->name) return Status(Code::kInvalidUsage, where + "field 'name' is NULL");
  FCCL_TRY(plugin::firstMissing(where, {
                                           {"init", plugin->init != nullptr},
                                           {"finalize", plugin->finalize != nullptr},
                                           {"fabricId", plugin->fabricId != nullptr},
                                           {"memAlloc", plugin->memAlloc != nullptr},
                                           {"memFree", plugin->memFree != nullptr},
                                           {"copy", plugin->copy != nullptr},
                                           {"reduce", plugin->reduce != nullptr},
                                           {"divide", plugin->divide != nullptr},
                                       }));
  FCCL_TRY(checkStreams(plugin, where));
  return checkMulticast(plugin, where);
}

bool deviceHasMulticast(const fcclDevice_v1_t& plugin) {
  return plugin.size >= kDeviceSizeV1_2 && plugin.multicastReduce != nullptr;
}

bool deviceHasMulticastReduceStore(const fcclDevice_v1_t& plugin) {
  return deviceHasMulticast(plugin) && plugin.size >= kDeviceSizeV1_3 && plugin.multicastReduceStore != nullptr;
}

bool deviceHasStreams(const fcclDevice_v1_t& plugin) {
  return plugin.size >= kDeviceSizeV1_1 && plugin.streamCreate != nullptr;
}

std::string fabricIdFrom(const char* id, size_t bytes) { return std::string(id, strnlen(id, bytes - 1)); }

}  // namespace fccl
