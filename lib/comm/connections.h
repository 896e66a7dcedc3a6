// The communicator's connectors, one pair of FIFOs per (peer, channel), made the first time a
// plan needs them so that a job pays only for the peers it talks to. For every hop the
// connection picks the transport the topology allows (topology/hop_choice.h): scale-up (shared
// memory) within a scale-up domain, scale-out otherwise.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "algorithms/common/plan.h"
#include "bootstrap/bootstrap.h"
#include "comm/peer_info.h"
#include "runtime/executor.h"
#include "transports/scaleout/net_transport.h"
#include "transports/scaleup/shm_transport.h"

namespace fccl {

class Connections final : public PeerLinks {
 public:
  // `transport`: "" picks per hop (scale-up within a domain, scale-out between domains), "scaleup"
  // or "scaleout" force one for every hop (FCCL_TRANSPORT).
  // `nic`: the NIC a topology file names for this rank ("" if none), for the scale-out transport.
  Connections(Bootstrap& bootstrap, std::vector<PeerInfo> peers, int self, const ShmOptions& shm, std::string transport,
              std::string nic = "");

  // Connects every (peer, channel) that `plan` names and that is not connected yet. Collective
  // between the peers involved: each of them calls it for its own plan of the same operation.
  Status ensure(const Plan& plan);

  SendConnector& sendTo(int peer, int channel) override { return *sends_[index(peer, channel)]; }

  // Bytes this rank has sent over each fabric so far.
  struct Traffic {
    uint64_t scaleUp = 0;
    uint64_t scaleOut = 0;
  };
  Traffic traffic() const;
  // The communicator failed or was aborted: closing need not wait for chunks in flight.
  void abandon();
  RecvConnector& recvFrom(int peer, int channel) override { return *recvs_[index(peer, channel)]; }

 private:
  static constexpr int kMaxChannels = 32;
  size_t index(int peer, int channel) const { return static_cast<size_t>(peer) * kMaxChannels + static_cast<size_t>(channel); }
  Expected<Transport*> transportFor(int peer, std::string* why);
  Expected<Transport*> scaleOut();

  Bootstrap& bootstrap_;
  std::vector<PeerInfo> peers_;
  int self_;
  ShmTransport shm_;
  std::string forced_;
  std::string nic_;
  size_t chunkBytes_;
  std::unique_ptr<NetTransport> net_;  // made when the first scale-out hop needs it
  std::vector<std::unique_ptr<SendConnector>> sends_;
  std::vector<bool> sendsScaleOut_;  // per entry of sends_: its fabric
  std::vector<std::unique_ptr<RecvConnector>> recvs_;
};

}  // namespace fccl
