// What fccl accepts from a net plugin before using it: the struct the library exports (size,
// ABI version, name, every hook), the number of devices it reports and each device's
// properties. Pure functions over what the plugin handed back, no dlopen and no plugin call, so
// the loader (net.cc) and the fuzzer (tests/fuzz/plugin_args_fuzz.cc) run the same checks.
#pragma once

#include <string>
#include <string_view>

#include "common/expected.h"
#include "common/status.h"
#include "fccl/fccl_net.h"
#include "transports/plugin/net.h"

namespace fccl {

// kInvalidUsage naming the first thing wrong with `plugin`: NULL, a struct smaller than
// fcclNet_v1_t 1.0, a major version other than 1, a NULL name or hook. Reads no field beyond
// `size` once `size` is known to be too small. `origin` ("built-in", a path) starts the message.
Status checkNetPlugin(const fcclNet_v1_t* plugin, const std::string& origin);

// The device count a net's devices() returned, or kInternal when it is negative.
Expected<int> checkNetDeviceCount(std::string_view net, int count);

// A device's properties as getProperties() left them, made safe to use: the fixed-size strings
// end within their arrays even when the plugin filled them to the last byte, and maxRecvs lies
// in 1 .. FCCL_NET_MAX_RECVS. The other fields are taken as given.
NetProperties netPropertiesFrom(const fcclNetProperties_v1_t& props);

}  // namespace fccl
