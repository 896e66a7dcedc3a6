// The host device's multicast calls (fccl_device.h 1.2) through the Device wrapper: a reduction
// over 1..6 members' buffers for every dtype and op, with dst aliasing each member in turn and
// sizes across the kernel's blocks; a store into every member, src among them; the ABI's
// "both or neither" rule for the two hooks.
#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "device/device.h"
#include "device/device_checks.h"
#include "device/host_device.h"
#include "device/streaming_copy.h"
#include "harness/reference.h"

namespace fccl::test {
namespace {

std::unique_ptr<Device> hostDevice() {
  auto device = Device::fromPlugin(&hostDevicePlugin(), "built-in");
  REQUIRE(device.isOk());
  return std::move(device).take();
}

// Streams from `bytes` on while it lives (the default, a quarter of the last-level cache, would
// take buffers of megabytes to reach).
struct StreamingFrom {
  explicit StreamingFrom(size_t bytes) : before(streamingMinBytes()) { setStreamingMinBytes(bytes); }
  ~StreamingFrom() { setStreamingMinBytes(before); }
  size_t before;
};

}  // namespace

TEST_CASE("multicastReduce folds every member's buffer once, whichever member dst is", "[unit][device][nvls]") {
  auto device = hostDevice();
  REQUIRE(device->hasMulticast());
  const fcclDataType_t type = GENERATE(fcclInt8, fcclUint32, fcclInt64, fcclFloat16, fcclFloat32, fcclFloat64,
                                       fcclBfloat16, fcclFloat8e4m3);
  const fcclRedOp_t op = GENERATE(fcclSum, fcclProd, fcclMax, fcclMin);
  const int members = GENERATE(1, 2, 3, 6);
  const size_t count = GENERATE(as<size_t>{}, 1, 7, 5000);  // 5000 crosses the 8 KiB blocks for most types
  const int aliased = GENERATE(-1, 0, 2);                    // dst is this member's buffer (-1: its own)
  if (aliased >= members) return;
  const size_t es = elementBytes(type);
  std::vector<std::vector<std::byte>> buffers(static_cast<size_t>(members), std::vector<std::byte>(count * es));
  for (int m = 0; m < members; ++m)
    for (size_t i = 0; i < count; ++i) encode(type, inputValue(type, op, m, i, members), buffers[static_cast<size_t>(m)].data() + i * es);
  std::vector<std::byte> own(count * es);
  void* dst = aliased < 0 ? own.data() : buffers[static_cast<size_t>(aliased)].data();
  std::vector<const void*> srcs;
  for (auto& b : buffers) srcs.push_back(b.data());
  REQUIRE(device->multicastReduce(dst, srcs, count, type, op).isOk());
  for (size_t i = 0; i < count; ++i) {
    const double got = decode(type, static_cast<std::byte*>(dst) + i * es);
    INFO("type " << type << " op " << op << " members " << members << " count " << count << " dst " << aliased
                 << " element " << i);
    REQUIRE(matches(type, op, got, reducedValue(type, op, i, members)));
  }
}

TEST_CASE("multicastStore writes src into every member and leaves src itself alone", "[unit][device][nvls]") {
  auto device = hostDevice();
  std::vector<std::byte> src(1000);
  for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<std::byte>(i * 7);
  std::vector<std::vector<std::byte>> members(4, std::vector<std::byte>(1000, std::byte{0xee}));
  std::vector<void*> dsts;
  for (auto& m : members) dsts.push_back(m.data());
  dsts.push_back(src.data());
  REQUIRE(device->multicastStore(dsts, src.data(), src.size()).isOk());
  for (auto& m : members) CHECK(m == src);
  CHECK(device->multicastStore(dsts, nullptr, 8).code() == Code::kInvalidArgument);
  std::vector<const void*> none;
  CHECK_FALSE(device->multicastReduce(src.data(), none, 4, fcclUint8, fcclSum).isOk());
}

TEST_CASE("large multicast reduces and stores stream to memory, at any alignment", "[unit][device][nvls]") {
  // From 256 KiB (here) the kernels write with non-temporal stores: block heads and tails at odd
  // addresses, a result that ends mid-line, and dst aliasing a source must all come out exact.
  StreamingFrom streaming(256 * 1024);
  auto device = hostDevice();
  const fcclDataType_t type = GENERATE(fcclUint8, fcclFloat32, fcclBfloat16);
  const size_t skew = GENERATE(as<size_t>{}, 0, 1, 13);  // bytes every buffer starts past a line
  const int aliased = GENERATE(-1, 1);
  const int members = 3;
  const size_t es = elementBytes(type), count = (600001 + es - 1) / es;
  std::vector<std::vector<std::byte>> buffers(members, std::vector<std::byte>(count * es + skew));
  for (int m = 0; m < members; ++m)
    for (size_t i = 0; i < count; ++i)
      encode(type, inputValue(type, fcclSum, m, i, members), buffers[static_cast<size_t>(m)].data() + skew + i * es);
  std::vector<std::byte> own(count * es + skew);
  std::byte* dst = (aliased < 0 ? own.data() : buffers[static_cast<size_t>(aliased)].data()) + skew;
  std::vector<const void*> srcs;
  for (auto& b : buffers) srcs.push_back(b.data() + skew);
  REQUIRE(device->multicastReduce(dst, srcs, count, type, fcclSum).isOk());
  for (size_t i = 0; i < count; ++i) {
    INFO("type " << type << " skew " << skew << " dst " << aliased << " element " << i);
    REQUIRE(matches(type, fcclSum, decode(type, dst + i * es), reducedValue(type, fcclSum, i, members)));
  }

  const size_t bytes = count * es;
  std::vector<std::vector<std::byte>> targets(members, std::vector<std::byte>(bytes + skew + 1, std::byte{0xee}));
  std::vector<void*> dsts;
  for (auto& t : targets) dsts.push_back(t.data() + skew);
  dsts.push_back(dst);  // the source itself among the members: left alone
  REQUIRE(device->multicastStore(dsts, dst, bytes).isOk());
  for (auto& t : targets) {
    CHECK(std::memcmp(t.data() + skew, dst, bytes) == 0);
    CHECK(t[bytes + skew] == std::byte{0xee});  // nothing past the end
    if (skew > 0) CHECK(t[skew - 1] == std::byte{0xee});
  }
}

TEST_CASE("multicastReduceStore writes the reduction into every member, with or without the fused hook",
          "[unit][device][nvls]") {
  // The host device's one pass, and the fallback a 1.2 plugin gets (reduce into the first
  // destination, store from there), on small and streaming sizes, a destination aliasing a
  // source (in place) and one that is no source at all.
  StreamingFrom streaming(256 * 1024);
  const bool fused = GENERATE(true, false);
  fcclDevice_v1_t plugin = hostDevicePlugin();
  if (!fused) plugin.multicastReduceStore = nullptr;
  auto loaded = Device::fromPlugin(&plugin, "test");
  REQUIRE(loaded.isOk());
  auto device = std::move(loaded).take();
  const fcclDataType_t type = GENERATE(fcclInt32, fcclFloat16, fcclFloat64);
  const fcclRedOp_t op = GENERATE(fcclSum, fcclMax);
  const size_t count = GENERATE(as<size_t>{}, 1, 4099, 70001);  // 70001 x 8 B streams
  const int members = GENERATE(2, 3);
  const size_t es = elementBytes(type);
  std::vector<std::vector<std::byte>> buffers(members, std::vector<std::byte>(count * es));
  for (int m = 0; m < members; ++m)
    for (size_t i = 0; i < count; ++i)
      encode(type, inputValue(type, op, m, i, members), buffers[static_cast<size_t>(m)].data() + i * es);
  std::vector<std::byte> extra(count * es, std::byte{0x5a});
  std::vector<const void*> srcs;
  std::vector<void*> dsts;
  for (auto& b : buffers) {
    srcs.push_back(b.data());
    dsts.push_back(b.data());  // in place: every member's buffer gets the result
  }
  dsts.push_back(extra.data());
  REQUIRE(device->multicastReduceStore(dsts, srcs, count, type, op).isOk());
  for (void* d : dsts)
    for (size_t i = 0; i < count; ++i) {
      INFO("fused " << fused << " type " << type << " op " << op << " count " << count << " element " << i);
      REQUIRE(matches(type, op, decode(type, static_cast<std::byte*>(d) + i * es), reducedValue(type, op, i, members)));
    }
  std::vector<void*> none;
  CHECK(device->multicastReduceStore(none, srcs, count, type, op).code() == Code::kInvalidArgument);
}

TEST_CASE("a device plugin gives both multicast hooks or neither", "[unit][device][nvls]") {
  fcclDevice_v1_t plugin = hostDevicePlugin();
  CHECK(checkDevicePlugin(&plugin, "test").isOk());
  CHECK(deviceHasMulticast(plugin));
  CHECK(deviceHasMulticastReduceStore(plugin));
  plugin.multicastStore = nullptr;
  const Status half = checkDevicePlugin(&plugin, "test");
  CHECK(half.code() == Code::kInvalidUsage);
  CHECK_THAT(half.message(), Catch::Contains("multicastStore"));
  plugin.multicastReduce = nullptr;
  const Status fusedAlone = checkDevicePlugin(&plugin, "test");  // the 1.3 hook needs the 1.2 ones
  CHECK(fusedAlone.code() == Code::kInvalidUsage);
  CHECK_THAT(fusedAlone.message(), Catch::Contains("multicastReduceStore"));
  plugin.multicastReduceStore = nullptr;
  CHECK(checkDevicePlugin(&plugin, "test").isOk());
  CHECK_FALSE(deviceHasMulticast(plugin));
  plugin.size = kDeviceSizeV1_2;  // a 1.2 plugin has no fused hook, whatever lies past its end
  plugin.multicastReduce = hostDevicePlugin().multicastReduce;
  plugin.multicastStore = hostDevicePlugin().multicastStore;
  plugin.multicastReduceStore = hostDevicePlugin().multicastReduceStore;
  CHECK(checkDevicePlugin(&plugin, "test").isOk());
  CHECK(deviceHasMulticast(plugin));
  CHECK_FALSE(deviceHasMulticastReduceStore(plugin));
  plugin.multicastReduce = nullptr;
  plugin.multicastStore = nullptr;
  plugin.multicastReduceStore = nullptr;
  plugin.size = kDeviceSizeV1_1;  // a 1.1 plugin has no such fields at all
  CHECK(checkDevicePlugin(&plugin, "test").isOk());
  CHECK_FALSE(deviceHasMulticast(plugin));
}

}  // namespace fccl::test
