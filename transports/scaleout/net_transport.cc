#include "transports/scaleout/net_transport.h"

#include <cstring>
#include <string>

#include "common/env.h"
#include "common/log.h"
#include "transports/scaleout/net_connector.h"

namespace fccl {
namespace {

constexpr uint32_t kHandleMagic = 0x544e6366;  // "fcNT"
constexpr uint16_t kHandleVersion = 1;
constexpr uint32_t kMaxSlots = 64;
constexpr size_t kMaxSlotBytes = 64u << 20;

// The transport's handle: the stream's shape, then the net's own handle.
struct [[gnu::packed]] WireHandle {
  uint32_t magic;
  uint16_t version;
  uint16_t slots;
  uint64_t slotBytes;
  std::byte net[FCCL_NET_HANDLE_MAXSIZE];
};
static_assert(sizeof(WireHandle) <= 252, "must fit connections.cc's handle envelope");

Status checkShape(uint64_t slots, uint64_t slotBytes, const std::string& who, Code code) {
  if (slots == 0 || slots > kMaxSlots || slotBytes == 0 || slotBytes > kMaxSlotBytes)
    return Status(code, who + ": " + std::to_string(slots) + " slots of " + std::to_string(slotBytes) +
                            " bytes (1 to " + std::to_string(kMaxSlots) + " slots of at most " +
                            std::to_string(kMaxSlotBytes) + " bytes)");
  return Status::ok();
}

}  // namespace

Expected<NetOptions> NetOptions::fromEnv() {
  NetOptions o;
  FCCL_ASSIGN_OR_RETURN(int64_t slots, envInt("FCCL_NET_SLOTS", o.slots, 1, kMaxSlots));
  FCCL_ASSIGN_OR_RETURN(int64_t chunk, envInt("FCCL_CHUNK_SIZE", static_cast<int64_t>(o.slotBytes), 4096, kMaxSlotBytes));
  FCCL_ASSIGN_OR_RETURN(int64_t device, envInt("FCCL_NET_DEVICE", o.device, -1, 1023));
  o.slots = static_cast<uint32_t>(slots);
  o.slotBytes = static_cast<size_t>(chunk);
  o.device = static_cast<int>(device);
  return o;
}

Expected<std::unique_ptr<NetTransport>> NetTransport::create(const NetOptions& given, std::shared_ptr<Net> net) {
  FCCL_TRY(checkShape(given.slots, given.slotBytes, "net transport options", Code::kInvalidArgument));
  if (!net) {
    FCCL_ASSIGN_OR_RETURN(net, Net::process());
  }
  FCCL_ASSIGN_OR_RETURN(int devices, net->devices());
  NetOptions options = given;
  std::string why = "FCCL_NET_DEVICE=" + std::to_string(options.device);
  if (options.device < 0 && devices > 0) {
    std::vector<NicCandidate> nics;
    for (int d = 0; d < devices; ++d) {
      FCCL_ASSIGN_OR_RETURN(NetProperties p, net->properties(d));
      int numa = options.nic.numaOfPci ? options.nic.numaOfPci(p.pciPath) : -1;
      if (numa < 0) numa = numaNodeOfPciPath(p.pciPath);
      nics.push_back({p.name, numa});
    }
    const NicChoice choice = chooseNic(nics, options.nic);
    options.device = choice.device;
    why = choice.reason;
  }
  if (options.device < 0 || options.device >= devices)
    return Status(Code::kInvalidArgument, "FCCL_NET_DEVICE=" + std::to_string(options.device) + ", but net '" +
                                              std::string(net->name()) + "' has " + std::to_string(devices) +
                                              " device(s)");
  FCCL_ASSIGN_OR_RETURN(NetProperties props, net->properties(options.device));
  if (!(props.ptrSupport & FCCL_NET_PTR_HOST))
    return Status(Code::kInvalidUsage, "net '" + std::string(net->name()) + "' device " +
                                           std::to_string(options.device) + " cannot send host memory");
  std::string name(net->name());
  if (!props.provider.empty()) name += ":" + props.provider;
  FCCL_INFO(Subsys::kNet, "scale-out via %s, device %d: %s (%d Mbps, pci '%s'; %s), %u slots of %zu bytes",
            name.c_str(), options.device, props.name.c_str(), props.speedMbps, props.pciPath.c_str(), why.c_str(),
            options.slots, options.slotBytes);
  return std::unique_ptr<NetTransport>(new NetTransport(options, std::move(net), std::move(props), std::move(name)));
}

Expected<std::unique_ptr<RecvConnector>> NetTransport::listen(const PeerIdentity& sender, std::vector<std::byte>& handle) {
  NetHandle netHandle{};
  auto listen = net_->listen(options_.device, netHandle);
  if (!listen.isOk())
    return std::move(listen).takeStatus().context("listening for rank " + std::to_string(sender.rank) + " (" + name_ + ")");
  WireHandle w{};
  w.magic = kHandleMagic;
  w.version = kHandleVersion;
  w.slots = static_cast<uint16_t>(options_.slots);
  w.slotBytes = options_.slotBytes;
  std::memcpy(w.net, netHandle.data(), netHandle.size());
  handle.resize(sizeof(w));
  std::memcpy(handle.data(), &w, sizeof(w));
  FCCL_TRACE(Subsys::kNet, "listening for rank %d via %s: %u slots of %zu bytes", sender.rank, name_.c_str(),
             options_.slots, options_.slotBytes);
  return std::unique_ptr<RecvConnector>(std::make_unique<NetRecvConnector>(
      net_, std::move(listen).take(), options_.slots, options_.slotBytes, name_));
}

Expected<std::unique_ptr<SendConnector>> NetTransport::connect(const PeerIdentity& receiver,
                                                               std::span<const std::byte> handle) {
  const std::string from = "net handle from rank " + std::to_string(receiver.rank);
  WireHandle w;
  if (handle.size() != sizeof(w))
    return Status(Code::kRemote, from + " has " + std::to_string(handle.size()) + " bytes, expected " +
                                     std::to_string(sizeof(w)));
  std::memcpy(&w, handle.data(), sizeof(w));
  if (w.magic != kHandleMagic || w.version != kHandleVersion)
    return Status(Code::kRemote, from + " has a bad magic/version");
  FCCL_TRY(checkShape(w.slots, w.slotBytes, from, Code::kRemote));
  NetHandle netHandle;
  std::memcpy(netHandle.data(), w.net, netHandle.size());
  const uint32_t slots = w.slots;  // copies: the handle is packed
  const size_t slotBytes = static_cast<size_t>(w.slotBytes);
  auto send = std::make_unique<NetSendConnector>(net_, options_.device, netHandle, slots, slotBytes, name_);
  if (Status s = send->start(); !s.isOk())
    return std::move(s).context("connecting to rank " + std::to_string(receiver.rank) + " (" + name_ + ")");
  return std::unique_ptr<SendConnector>(std::move(send));
}

}  // namespace fccl
