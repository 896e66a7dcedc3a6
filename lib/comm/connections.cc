#include "comm/connections.h"

#include <cstring>
#include <set>
#include <tuple>
#include <string>

#include "common/log.h"
#include "topology/hop_choice.h"
#include "topology/host_hardware.h"

namespace fccl {
namespace {

constexpr uint32_t kTagConnect = 0x100;    // + channel
constexpr uint32_t kTagConnectLl = 0x180;  // + channel: the LL FIFOs

// Transport handles travel in a fixed-size envelope: the bootstrap receives exact sizes.
struct HandleEnvelope {
  uint32_t bytes;
  std::byte data[252];
};

}  // namespace

Connections::Connections(Bootstrap& bootstrap, std::vector<PeerInfo> peers, int self, const ShmOptions& shm,
                         const ShmOptions& ll, std::string transport, std::string nic)
    : bootstrap_(bootstrap), peers_(std::move(peers)), self_(self), shm_(shm), shmLl_(ll), forced_(std::move(transport)),
      nic_(std::move(nic)), chunkBytes_(shm.slotBytes), scaleUp_(peers_.size(), -1) {
  for (int p = 0; p < kNumProtos; ++p) {
    sends_[p].resize(peers_.size() * kMaxChannels);
    recvs_[p].resize(peers_.size() * kMaxChannels);
  }
}

SendConnector& Connections::View::sendTo(int peer, int channel) {
  return *owner_.sends_[static_cast<int>(owner_.tableOf(peer, proto_))][owner_.index(peer, channel)];
}

RecvConnector& Connections::View::recvFrom(int peer, int channel) {
  return *owner_.recvs_[static_cast<int>(owner_.tableOf(peer, proto_))][owner_.index(peer, channel)];
}

Connections::Traffic Connections::traffic() const {
  Traffic t;
  for (int p = 0; p < kNumProtos; ++p)
    for (size_t i = 0; i < sends_[p].size(); ++i)
      if (sends_[p][i]) (scaleUp_[i / kMaxChannels] == 1 ? t.scaleUp : t.scaleOut) += sends_[p][i]->bytesCommitted();
  return t;
}

void Connections::abandon() {
  for (auto& table : sends_)
    for (auto& send : table)
      if (send) send->abandon();
}

Expected<Transport*> Connections::scaleOut() {
  if (!net_) {
    FCCL_ASSIGN_OR_RETURN(NetOptions options, NetOptions::fromEnv());
    options.slotBytes = chunkBytes_;  // the executor's chunk: both ends must agree
    // For the NIC choice: this rank's index among the ranks of its host, and where it runs.
    options.nic.name = nic_;
    options.nic.localIndex = 0;
    for (int r = 0; r < self_; ++r)
      if (peers_[static_cast<size_t>(r)].hostHash == peers_[static_cast<size_t>(self_)].hostHash) ++options.nic.localIndex;
    options.nic.numaNode = currentNumaNode();
    options.nic.numaOfPci = numaNodeOfPci;  // libfabric's PCI address -> hwloc's PCI object -> its NUMA node
    auto net = NetTransport::create(options);
    if (!net.isOk()) return std::move(net).takeStatus().context("starting the scale-out transport");
    net_ = std::move(net).take();
  }
  return static_cast<Transport*>(net_.get());
}

// The per-hop choice (topology/hop_choice.h): scale-up within a scale-up domain whose ranks
// can map each other's memory, scale-out otherwise; FCCL_TRANSPORT forces one for every hop.
Expected<Transport*> Connections::transportFor(int peer, Proto proto, std::string* why) {
  FCCL_ASSIGN_OR_RETURN(HopChoice choice, chooseHop(placeOf(peers_[static_cast<size_t>(self_)]),
                                                    placeOf(peers_[static_cast<size_t>(peer)]), peer, forced_));
  *why = std::move(choice.reason);
  scaleUp_[static_cast<size_t>(peer)] = choice.fabric == Fabric::kScaleUp ? 1 : 0;
  if (choice.fabric == Fabric::kScaleUp) return static_cast<Transport*>(proto == Proto::kLL ? &shmLl_ : &shm_);
  return scaleOut();
}

Status Connections::ensure(const Plan& plan, Proto proto) {
  if (plan.channels.size() > static_cast<size_t>(kMaxChannels))
    return Status(Code::kInternal, "plan has " + std::to_string(plan.channels.size()) + " channels");
  // Which fabric each peer's hop takes decides the table (a scale-out hop of an LL call runs
  // Simple), so it is known before the tables are looked at.
  for (size_t c = 0; c < plan.channels.size(); ++c)
    for (const Step& s : plan.channels[c].steps)
      for (int peer : {primRecvs(s.prim) ? s.recvPeer : kNoPeer, primSends(s.prim) ? s.sendPeer : kNoPeer})
        if (peer != kNoPeer && scaleUp_[static_cast<size_t>(peer)] < 0) {
          std::string why;
          FCCL_TRY(transportFor(peer, Proto::kSimple, &why).status());
        }
  std::set<std::tuple<int, int, Proto>> needRecv, needSend;  // (channel, peer, table)
  for (size_t c = 0; c < plan.channels.size(); ++c)
    for (const Step& s : plan.channels[c].steps) {
      const int ch = static_cast<int>(c);
      if (primRecvs(s.prim)) {
        const Proto table = tableOf(s.recvPeer, proto);
        if (!recvs_[static_cast<int>(table)][index(s.recvPeer, ch)]) needRecv.insert({ch, s.recvPeer, table});
      }
      if (primSends(s.prim)) {
        const Proto table = tableOf(s.sendPeer, proto);
        if (!sends_[static_cast<int>(table)][index(s.sendPeer, ch)]) needSend.insert({ch, s.sendPeer, table});
      }
    }
  auto tagOf = [](int channel, Proto table) {
    return (table == Proto::kLL ? kTagConnectLl : kTagConnect) + static_cast<uint32_t>(channel);
  };
  // Receivers create their FIFOs and post the handles first; the bootstrap's send does not wait
  // for the peer, so every rank gets here without waiting on another, and then collects.
  for (auto [channel, peer, table] : needRecv) {
    std::string why;
    FCCL_ASSIGN_OR_RETURN(Transport * transport, transportFor(peer, table, &why));
    std::vector<std::byte> handle;
    auto recv = transport->listen({peer, peers_[static_cast<size_t>(peer)].pid}, handle);
    if (!recv.isOk()) return std::move(recv).takeStatus();
    HandleEnvelope env{};
    if (handle.size() > sizeof(env.data)) return Status(Code::kInternal, "transport handle too large");
    env.bytes = static_cast<uint32_t>(handle.size());
    std::memcpy(env.data, handle.data(), handle.size());
    FCCL_TRY(bootstrap_.send(peer, tagOf(channel, table), std::as_bytes(std::span(&env, 1)))
                 .context("sending the connection handle to rank " + std::to_string(peer)));
    recvs_[static_cast<int>(table)][index(peer, channel)] = std::move(recv).take();
    FCCL_INFO(Subsys::kInit, "channel %d: rank %d -> rank %d via %s (%s)", channel, peer, self_,
              std::string(transport->name()).c_str(), why.c_str());
  }
  for (auto [channel, peer, table] : needSend) {
    std::string why;
    FCCL_ASSIGN_OR_RETURN(Transport * transport, transportFor(peer, table, &why));
    HandleEnvelope env{};
    FCCL_TRY(bootstrap_.recv(peer, tagOf(channel, table), std::as_writable_bytes(std::span(&env, 1)))
                 .context("receiving the connection handle of rank " + std::to_string(peer)));
    if (env.bytes > sizeof(env.data))
      return Status(Code::kRemote, "rank " + std::to_string(peer) + " sent a handle of " + std::to_string(env.bytes) + " bytes");
    auto send = transport->connect({peer, peers_[static_cast<size_t>(peer)].pid}, std::span(env.data, env.bytes));
    if (!send.isOk()) return std::move(send).takeStatus();
    sends_[static_cast<int>(table)][index(peer, channel)] = std::move(send).take();
    FCCL_INFO(Subsys::kInit, "channel %d: rank %d -> rank %d via %s (%s)", channel, self_, peer,
              std::string(transport->name()).c_str(), why.c_str());
  }
  return Status::ok();
}

}  // namespace fccl
