// What fccl accepts from a device plugin before using it: the struct the library exports (size
// of ABI 1.0 or more, major version 1, name, every 1.0 hook, the 1.1 stream hooks all or none,
// the 1.2 multicast hooks both or neither, the 1.3 fused one only with them)
// and the fabric id it writes. Pure functions over what the plugin handed back, no dlopen and no
// plugin call, so the loader (device.cc) and the fuzzer (tests/fuzz/plugin_args_fuzz.cc) run
// the same checks.
#pragma once

#include <cstddef>
#include <string>

#include "common/status.h"
#include "fccl/fccl_device.h"

namespace fccl {

// Where each ABI version's struct ends: 1.0 at `divide`, 1.1 after the stream hooks.
inline constexpr size_t kDeviceSizeV1_0 = offsetof(fcclDevice_v1_t, streamCreate);
inline constexpr size_t kDeviceSizeV1_1 =
    offsetof(fcclDevice_v1_t, streamQuery) + sizeof(fcclDevice_v1_t::streamQuery);
inline constexpr size_t kDeviceSizeV1_2 =
    offsetof(fcclDevice_v1_t, multicastStore) + sizeof(fcclDevice_v1_t::multicastStore);
inline constexpr size_t kDeviceSizeV1_3 =
    offsetof(fcclDevice_v1_t, multicastReduceStore) + sizeof(fcclDevice_v1_t::multicastReduceStore);

// kInvalidUsage naming the first thing wrong with `plugin`, ok when it may be used. Reads only
// the fields its `size` says it has: a 1.0 struct may end right after `divide`. `origin`
// ("built-in", a path) starts the message.
Status checkDevicePlugin(const fcclDevice_v1_t* plugin, const std::string& origin);

// Whether a plugin that passed checkDevicePlugin has the 1.2 multicast calls.
bool deviceHasMulticast(const fcclDevice_v1_t& plugin);
// Whether it has the 1.3 fused reduce-and-store too.
bool deviceHasMulticastReduceStore(const fcclDevice_v1_t& plugin);

// Whether a plugin that passed checkDevicePlugin has streams: its struct reaches the 1.1 hooks
// and fills them (the check made sure it fills all or none).
bool deviceHasStreams(const fcclDevice_v1_t& plugin);

// The fabric id a plugin wrote into `id` (`bytes` > 0 bytes), ending within the buffer even when
// the plugin filled it to the last byte.
std::string fabricIdFrom(const char* id, size_t bytes);

}  // namespace fccl
