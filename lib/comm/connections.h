// The communicator's connectors, one pair of FIFOs per (peer, channel, protocol), made the first
// time a plan needs them so that a job pays only for the peers and protocols it uses. For every hop the
// connection picks the transport the topology allows (topology/hop_choice.h): scale-up (shared
// memory) within a scale-up domain, scale-out otherwise.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "algorithms/common/plan.h"
#include "algorithms/common/protocol.h"
#include "bootstrap/bootstrap.h"
#include "comm/peer_info.h"
#include "runtime/executor.h"
#include "transports/scaleout/net_transport.h"
#include "transports/scaleup/shm_transport.h"

namespace fccl {

class Connections {
 public:
  // `transport`: "" picks per hop (scale-up within a domain, scale-out between domains), "scaleup"
  // or "scaleout" force one for every hop (FCCL_TRANSPORT).
  // `shm`: the Simple FIFOs; `ll`: the LL FIFOs (its slots carry ll.slotBytes of data).
  // `nic`: the NIC a topology file names for this rank ("" if none), for the scale-out transport.
  Connections(Bootstrap& bootstrap, std::vector<PeerInfo> peers, int self, const ShmOptions& shm, const ShmOptions& ll,
              std::string transport, std::string nic = "");

  // Connects every (peer, channel) that `plan` names and that is not connected yet for
  // `proto`. Collective between the peers involved: each of them calls it for its own plan of
  // the same operation. LL runs on scale-up hops only; a scale-out hop of an LL call uses the
  // net's (Simple) connection.
  Status ensure(const Plan& plan, Proto proto);
  // The connectors a call of `proto` runs on.
  PeerLinks& links(Proto proto) { return views_[static_cast<int>(proto)]; }

  // Bytes this rank has sent over each fabric so far.
  struct Traffic {
    uint64_t scaleUp = 0;
    uint64_t scaleOut = 0;
  };
  Traffic traffic() const;
  // The communicator failed or was aborted: closing need not wait for chunks in flight.
  void abandon();

 private:
  static constexpr int kMaxChannels = 32;
  size_t index(int peer, int channel) const { return static_cast<size_t>(peer) * kMaxChannels + static_cast<size_t>(channel); }
  Expected<Transport*> transportFor(int peer, Proto proto, std::string* why);
  Expected<Transport*> scaleOut();
  // The table a (peer, proto) pair uses: LL only where the hop is scale-up.
  Proto tableOf(int peer, Proto proto) const {
    return proto == Proto::kLL && scaleUp_[static_cast<size_t>(peer)] == 1 ? Proto::kLL : Proto::kSimple;
  }

  // The connectors of one protocol, as the executor sees them.
  class View final : public PeerLinks {
   public:
    View(Connections& owner, Proto proto) : owner_(owner), proto_(proto) {}
    SendConnector& sendTo(int peer, int channel) override;
    RecvConnector& recvFrom(int peer, int channel) override;

   private:
    Connections& owner_;
    Proto proto_;
  };

  Bootstrap& bootstrap_;
  std::vector<PeerInfo> peers_;
  int self_;
  ShmTransport shm_;
  ShmTransport shmLl_;
  std::string forced_;
  std::string nic_;
  size_t chunkBytes_;
  std::unique_ptr<NetTransport> net_;  // made when the first scale-out hop needs it
  std::vector<int8_t> scaleUp_;        // per peer: -1 not known yet, 1 scale-up hop, 0 scale-out
  std::vector<std::unique_ptr<SendConnector>> sends_[kNumProtos];
  std::vector<std::unique_ptr<RecvConnector>> recvs_[kNumProtos];
  View views_[kNumProtos] = {View(*this, Proto::kLL), View(*this, Proto::kSimple)};
};

}  // namespace fccl
