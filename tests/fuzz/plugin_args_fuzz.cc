// libFuzzer target: what a plugin hands back. The first byte picks the thing checked: a net
// plugin's struct, a device plugin's struct, the properties of a net's devices (and the NIC
// choice made from their names), a net's device count or a device's fabric id. Each check must
// agree with the ABI's rules in both directions (accept exactly what the rules allow), and must
// read no byte the plugin did not declare: a struct is copied into a heap block of the size its
// `size` field claims, so ASan sees any read past it.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "device/device_checks.h"
#include "transports/plugin/net_checks.h"
#include "transports/scaleout/nic_choice.h"

using namespace fccl;

namespace {

// Reads the fuzzer's bytes front to back; past the end everything reads as zero.
class Input {
 public:
  Input(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  template <class T>
  T take() {
    T value{};
    const size_t n = std::min(sizeof(T), size_ - offset_);
    std::memcpy(&value, data_ + offset_, n);
    offset_ += n;
    return value;
  }
  const uint8_t* rest() const { return data_ + offset_; }
  size_t restSize() const { return size_ - offset_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t offset_ = 0;
};

// Stands in for every hook: the checks compare hooks with NULL and never call one.
void notCalled() { std::abort(); }

// Sets `hook` to a non-NULL address when bit `bit` of `present` is set, else NULL; counts the
// hooks left NULL in `missing`.
template <class Hook>
void setHook(Hook& hook, uint32_t present, int bit, int& missing) {
  const bool set = (present >> bit) & 1u;
  hook = set ? reinterpret_cast<Hook>(&notCalled) : nullptr;
  if (!set) ++missing;
}

// A copy of `full` in a heap block of the bytes the struct claims to have (at least its `size`
// field, at most the whole struct: a newer plugin's extra fields are not ours to read).
template <class Struct>
std::unique_ptr<std::byte[]> declaredCopy(const Struct& full, size_t declared) {
  const size_t bytes = std::clamp(declared, sizeof(size_t), sizeof(Struct));
  auto block = std::make_unique<std::byte[]>(bytes);
  std::memcpy(block.get(), &full, bytes);
  return block;
}

void fuzzNetPlugin(Input& in) {
  fcclNet_v1_t net{};
  net.size = in.take<uint16_t>();
  net.version = in.take<uint32_t>();
  const uint32_t present = in.take<uint32_t>();
  net.name = (present >> 31) & 1u ? "fuzz" : nullptr;
  int missing = 0;
  setHook(net.init, present, 0, missing);
  setHook(net.finalize, present, 1, missing);
  setHook(net.devices, present, 2, missing);
  setHook(net.getProperties, present, 3, missing);
  setHook(net.listen, present, 4, missing);
  setHook(net.connect, present, 5, missing);
  setHook(net.accept, present, 6, missing);
  setHook(net.regMr, present, 7, missing);
  setHook(net.regMrDmaBuf, present, 8, missing);
  setHook(net.deregMr, present, 9, missing);
  setHook(net.isend, present, 10, missing);
  setHook(net.irecv, present, 11, missing);
  setHook(net.iflush, present, 12, missing);
  setHook(net.test, present, 13, missing);
  setHook(net.closeSend, present, 14, missing);
  setHook(net.closeRecv, present, 15, missing);
  setHook(net.closeListen, present, 16, missing);
  const auto block = declaredCopy(net, net.size);
  const bool ok = checkNetPlugin(reinterpret_cast<const fcclNet_v1_t*>(block.get()), "fuzz").isOk();
  const bool allowed = net.size >= sizeof(fcclNet_v1_t) && (net.version >> 16) == 1 && net.name && missing == 0;
  if (ok != allowed) std::abort();
}

void fuzzDevicePlugin(Input& in) {
  fcclDevice_v1_t device{};
  device.size = in.take<uint16_t>();
  device.version = in.take<uint32_t>();
  const uint32_t present = in.take<uint32_t>();
  device.name = (present >> 31) & 1u ? "fuzz" : nullptr;
  int missing = 0, missingStreams = 0;
  setHook(device.init, present, 0, missing);
  setHook(device.finalize, present, 1, missing);
  setHook(device.fabricId, present, 2, missing);
  setHook(device.memAlloc, present, 3, missing);
  setHook(device.memFree, present, 4, missing);
  setHook(device.copy, present, 5, missing);
  setHook(device.reduce, present, 6, missing);
  setHook(device.divide, present, 7, missing);
  setHook(device.streamCreate, present, 8, missingStreams);
  setHook(device.streamDestroy, present, 9, missingStreams);
  setHook(device.streamLaunchHostFn, present, 10, missingStreams);
  setHook(device.streamSynchronize, present, 11, missingStreams);
  setHook(device.streamQuery, present, 12, missingStreams);
  const auto block = declaredCopy(device, device.size);
  const auto* declared = reinterpret_cast<const fcclDevice_v1_t*>(block.get());
  const bool ok = checkDevicePlugin(declared, "fuzz").isOk();
  const bool hasStreamFields = device.size >= kDeviceSizeV1_1;
  const bool streamsAllOrNone = !hasStreamFields || missingStreams == 0 || missingStreams == 5;
  const bool allowed = device.size >= kDeviceSizeV1_0 && (device.version >> 16) == 1 && device.name && missing == 0 &&
                       streamsAllOrNone;
  if (ok != allowed) std::abort();
  if (ok && deviceHasStreams(*declared) != (hasStreamFields && missingStreams == 0)) std::abort();
}

// A field of a C string array, as fccl must read it: up to the first NUL, within the array.
void requireWithin(const std::string& text, size_t arrayBytes) {
  if (text.size() > arrayBytes || text.find('\0') != std::string::npos) std::abort();
}

// Up to 8 devices' properties, each as raw bytes the plugin wrote over the whole struct, then the
// NIC a rank would pick among them.
void fuzzNetProperties(Input& in) {
  NicHint hint;
  hint.localIndex = in.take<uint8_t>() % 8;
  hint.numaNode = in.take<uint8_t>() % 5 - 1;
  const bool named = in.take<uint8_t>() & 1u;
  std::vector<NicCandidate> nics;
  while (in.restSize() > 0 && nics.size() < 8) {
    fcclNetProperties_v1_t raw = in.take<fcclNetProperties_v1_t>();
    const NetProperties p = netPropertiesFrom(raw);
    requireWithin(p.name, sizeof(raw.name));
    requireWithin(p.pciPath, sizeof(raw.pciPath));
    requireWithin(p.provider, sizeof(raw.provider));
    if (p.maxRecvs < 1 || p.maxRecvs > FCCL_NET_MAX_RECVS) std::abort();
    nics.push_back({p.name, static_cast<int>(p.guid % 5) - 1});
  }
  if (named && !nics.empty()) hint.name = nics.back().name;
  const NicChoice choice = chooseNic(nics, hint);
  if (!nics.empty() && (choice.device < 0 || choice.device >= static_cast<int>(nics.size()))) std::abort();
  if (!hint.name.empty() && nics[static_cast<size_t>(choice.device)].name != hint.name) std::abort();
}

void fuzzDeviceCount(Input& in) {
  const int count = in.take<int32_t>();
  auto checked = checkNetDeviceCount("fuzz", count);
  if (checked.isOk() != (count >= 0)) std::abort();
  if (checked.isOk() && *checked != count) std::abort();
}

// The plugin's fabricId hook wrote the rest of the input into a buffer of exactly that size.
void fuzzFabricId(Input& in) {
  const size_t bytes = std::max<size_t>(in.restSize(), 1);
  auto buffer = std::make_unique<char[]>(bytes);
  std::memcpy(buffer.get(), in.rest(), in.restSize());
  const std::string id = fabricIdFrom(buffer.get(), bytes);
  if (id.size() >= bytes || id.find('\0') != std::string::npos) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  Input in(data + 1, size - 1);
  switch (data[0] % 5) {
    case 0: fuzzNetPlugin(in); break;
    case 1: fuzzDevicePlugin(in); break;
    case 2: fuzzNetProperties(in); break;
    case 3: fuzzDeviceCount(in); break;
    default: fuzzFabricId(in); break;
  }
  return 0;
}
