#include "transports/plugin/net_checks.h"

#include <algorithm>
#include <cstring>
#include <initializer_list>

#include "common/plugin_hooks.h"

namespace fccl {
namespace {

std::string fromFixed(const char* text, size_t bytes) { return std::string(text, strnlen(text, bytes)); }

}  // namespace

Status checkNetPlugin(const fcclNet_v1_t* plugin, const std::string& origin) {
  const std::string where = "net plugin " + origin + ": ";
  if (!plugin) return Status(Code::kInvalidUsage, where + FCCL_NET_PLUGIN_SYMBOL " is NULL");
  if (plugin->size < sizeof(fcclNet_v1_t))
    return Status(Code::kInvalidUsage, where + "struct size " + std::to_string(plugin->size) +
                                           " is smaller than fcclNet_v1_t 1.0 (" + std::to_string(sizeof(fcclNet_v1_t)) +
                                           " bytes)");
  if ((plugin->version >> 16) != 1)
    return Status(Code::kInvalidUsage, where + "major version " + std::to_string(plugin->version >> 16) +
                                           ", fccl speaks version 1");
  if (!plugin->name) return Status(Code::kInvalidUsage, where + "field 'name' is NULL");
  const std::initializer_list<plugin::HookField> hooks = {
      {"init", plugin->init != nullptr},
      {"finalize", plugin->finalize != nullptr},
      {"devices", plugin->devices != nullptr},
      {"getProperties", plugin->getProperties != nullptr},
      {"listen", plugin->listen != nullptr},
      {"connect", plugin->connect != nullptr},
      {"accept", plugin->accept != nullptr},
      {"regMr", plugin->regMr != nullptr},
      {"regMrDmaBuf", plugin->regMrDmaBuf != nullptr},
      {"deregMr", plugin->deregMr != nullptr},
      {"isend", plugin->isend != nullptr},
      {"irecv", plugin->irecv != nullptr},
      {"iflush", plugin->iflush != nullptr},
      {"test", plugin->test != nullptr},
      {"closeSend", plugin->closeSend != nullptr},
      {"closeRecv", plugin->closeRecv != nullptr},
      {"closeListen", plugin->closeListen != nullptr},
  };
  return plugin::firstMissing(where, hooks);
}

Expected<int> checkNetDeviceCount(std::string_view net, int count) {
  if (count < 0)
    return Status(Code::kInternal, "net '" + std::string(net) + "' reports " + std::to_string(count) + " devices");
  return count;
}

NetProperties netPropertiesFrom(const fcclNetProperties_v1_t& p) {
  NetProperties out;
  out.name = fromFixed(p.name, sizeof(p.name));
  out.pciPath = fromFixed(p.pciPath, sizeof(p.pciPath));
  out.provider = fromFixed(p.provider, sizeof(p.provider));
  out.guid = p.guid;
  out.speedMbps = p.speedMbps;
  out.latencyUs = p.latencyUs;
  out.maxComms = p.maxComms;
  out.maxRecvs = std::clamp(p.maxRecvs, 1, FCCL_NET_MAX_RECVS);
  out.ptrSupport = p.ptrSupport;
  out.regIsGlobal = p.regIsGlobal != 0;
  out.rma = p.rmaSupport != 0;
  return out;
}

}  // namespace fccl
