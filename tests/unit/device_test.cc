// Device: choosing and validating the plugin, and using the host device through the wrapper.
#include "device/device.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "device/host_device.h"

namespace {

using fccl::Code;
using fccl::Device;

// Sets (or unsets) FCCL_DEVICE_PLUGIN for one test and restores the previous value.
class PluginEnv {
 public:
  explicit PluginEnv(const char* value) {
    if (const char* old = getenv(kName)) previous_ = old;
    if (value) setenv(kName, value, 1);
    else unsetenv(kName);
  }
  ~PluginEnv() {
    if (previous_) setenv(kName, previous_->c_str(), 1);
    else unsetenv(kName);
  }

 private:
  static constexpr const char* kName = "FCCL_DEVICE_PLUGIN";
  std::optional<std::string> previous_;
};

std::unique_ptr<Device> loadOrFail() {
  auto device = Device::load();
  INFO((device.isOk() ? std::string() : device.status().message()));
  REQUIRE(device.isOk());
  return std::move(device).take();
}

fcclResult_t failingInit(fcclLogFn log, void**) {
  log(fcclLogWarn, "no accelerator found on bus 3");
  return fcclSystemError;
}

}  // namespace

TEST_CASE("Device::load gives the built-in host device by default", "[unit][device]") {
  PluginEnv env(nullptr);
  auto device = loadOrFail();
  REQUIRE(device->name() == "host");
  auto fabric = device->fabricId();
  REQUIRE(fabric.isOk());
  REQUIRE(fabric->empty());
}

TEST_CASE("FCCL_DEVICE_PLUGIN=host also picks the built-in device", "[unit][device]") {
  PluginEnv env("host");
  REQUIRE(loadOrFail()->name() == "host");
}

TEST_CASE("a plugin library that does not exist is an error naming its path", "[unit][device]") {
  PluginEnv env("/nonexistent.so");
  auto device = Device::load();
  REQUIRE_FALSE(device.isOk());
  REQUIRE(device.status().code() == Code::kSystem);
  REQUIRE_THAT(device.status().message(), Catch::Contains("FCCL_DEVICE_PLUGIN=/nonexistent.so"));
}

TEST_CASE("a library without the plugin symbol is an error naming the library and symbol", "[unit][device]") {
  PluginEnv env("libm.so.6");
  auto device = Device::load();
  REQUIRE_FALSE(device.isOk());
  REQUIRE_THAT(device.status().message(), Catch::Contains("libm.so.6") && Catch::Contains("fcclDevicePlugin_v1"));
}

TEST_CASE("a plugin struct that breaks the ABI is rejected with the field named", "[unit][device]") {
  fcclDevice_v1_t plugin = fccl::hostDevicePlugin();
  std::string expected;
  SECTION("a missing hook") {
    plugin.reduce = nullptr;
    expected = "hook 'reduce' is NULL";
  }
  SECTION("another missing hook") {
    plugin.fabricId = nullptr;
    expected = "hook 'fabricId' is NULL";
  }
  SECTION("no name") {
    plugin.name = nullptr;
    expected = "'name' is NULL";
  }
  SECTION("a newer major version") {
    plugin.version = FCCL_DEVICE_VERSION(2, 0);
    expected = "major version 2";
  }
  SECTION("a struct smaller than v1") {
    plugin.size = offsetof(fcclDevice_v1_t, divide);
    expected = "smaller than fcclDevice_v1_t";
  }
  auto device = Device::fromPlugin(&plugin, "/opt/acme/libfccl-acme.so");
  REQUIRE_FALSE(device.isOk());
  REQUIRE(device.status().code() == Code::kInvalidUsage);
  REQUIRE_THAT(device.status().message(), Catch::Contains("/opt/acme/libfccl-acme.so") && Catch::Contains(expected));
  REQUIRE_FALSE(Device::fromPlugin(nullptr, "x").isOk());
}

TEST_CASE("a plugin whose init fails returns its code and the message it logged", "[unit][device]") {
  fcclDevice_v1_t plugin = fccl::hostDevicePlugin();
  plugin.init = failingInit;
  auto device = Device::fromPlugin(&plugin, "test");
  REQUIRE_FALSE(device.isOk());
  REQUIRE(device.status().code() == Code::kSystem);
  REQUIRE_THAT(device.status().message(), Catch::Contains("init") && Catch::Contains("no accelerator found on bus 3"));
}

TEST_CASE("alloc, copy, reduce, divide and free work through the wrapper", "[unit][device]") {
  PluginEnv env(nullptr);
  auto device = loadOrFail();
  constexpr size_t kCount = 1001;
  auto a = device->alloc(kCount * sizeof(float));
  auto b = device->alloc(kCount * sizeof(float));
  REQUIRE(a.isOk());
  REQUIRE(b.isOk());
  REQUIRE(reinterpret_cast<uintptr_t>(*a) % 64 == 0);
  std::vector<float> host(kCount);
  for (size_t i = 0; i < kCount; ++i) host[i] = float(i);
  REQUIRE(device->copy(*a, host.data(), kCount * sizeof(float)).isOk());
  REQUIRE(device->copy(*b, host.data(), kCount * sizeof(float)).isOk());
  REQUIRE(device->reduce(*a, *a, *b, kCount, fcclFloat32, fcclSum).isOk());  // in place: a = 2i
  REQUIRE(device->divide(*a, *a, kCount, fcclFloat32, 4).isOk());            // a = i / 2
  std::vector<float> out(kCount);
  REQUIRE(device->copy(out.data(), *a, kCount * sizeof(float)).isOk());
  for (size_t i = 0; i < kCount; ++i) REQUIRE(out[i] == float(i) / 2);
  REQUIRE(device->free(*a).isOk());
  REQUIRE(device->free(*b).isOk());

  auto empty = device->alloc(0);  // a real, unique block (host_device.h)
  REQUIRE(empty.isOk());
  REQUIRE(*empty != nullptr);
  REQUIRE(device->free(*empty).isOk());
}

TEST_CASE("a failing hook comes back as a Status carrying the plugin's message", "[unit][device]") {
  PluginEnv env(nullptr);
  auto device = loadOrFail();
  float x[2] = {1, 2};
  const fccl::Status s = device->reduce(x, x, x, 2, fcclFloat32, fcclAvg);
  REQUIRE(s.code() == Code::kInvalidArgument);
  REQUIRE_THAT(s.message(), Catch::Contains("'host' reduce failed (fcclInvalidArgument)") &&
                                Catch::Contains("fcclAvg is not a reduce op"));
  const fccl::Status d = device->divide(x, x, 2, fcclFloat32, 0);
  REQUIRE(d.code() == Code::kInvalidArgument);
  REQUIRE_THAT(d.message(), Catch::Contains("division by zero"));
}
