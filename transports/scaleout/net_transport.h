// The scale-out transport: connectors over a net (fccl_net.h; the built-in libfabric net or a
// plugin named by FCCL_NET_PLUGIN), for ranks that share no memory.
//
// The stream between two ranks is the FIFO of transport.h, split across the wire: `slots`
// registered bounce buffers on the receiver, `slots` registered staging buffers on the sender,
// both slotBytes long. Chunk k travels from staging slot k % slots to bounce slot k % slots as
// one message whose tag is the slot index; the net matches the k-th message of a tag to the
// k-th receive posted for it, so chunks arrive in their slots whatever the fabric's ordering.
//
// Flow control is the net's (fccl_net.h): a message goes on the wire only once the receiver
// has posted the buffer it lands in, and the receiver posts bounce slot s again only when the
// chunk in it is released. So the receiver never holds more than `slots` chunks, nothing is
// buffered unexpected anywhere, and the sender, whose staging slot is free again only when its
// send has completed, has at most `slots` chunks committed that the receiver has not released
// plus `slots` in flight. A slow receiver therefore stops the sender (acquire() comes back empty)
// instead of filling memory.
//
// Connection setup follows connections.cc: the receiver's listen() creates a listen comm and
// returns its handle at once; the sender's connect() returns a connector at once. The two ends
// then finish connecting inside peek() and acquire(), neither ever blocking on the other.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "transports/plugin/net.h"
#include "transports/scaleout/nic_choice.h"
#include "transports/transport.h"

namespace fccl {

struct NetOptions {
  uint32_t slots = 8;             // FCCL_NET_SLOTS: chunks in flight per connection
  size_t slotBytes = 512 * 1024;  // FCCL_CHUNK_SIZE: bytes a step moves at a time
  int device = -1;                // FCCL_NET_DEVICE: which of the net's NICs this rank uses; -1: chooseNic

  NicHint nic;                    // what chooseNic goes by when device is -1

  // The defaults, overridden by the environment; a malformed value is an error naming it.
  static Expected<NetOptions> fromEnv();
};

class NetTransport final : public Transport {
 public:
  // Over `net`, or over the process's net (Net::process(): FCCL_NET_PLUGIN, else the built-in
  // ofi net) when null. Checks the options and that the device exists, and logs the choice.
  static Expected<std::unique_ptr<NetTransport>> create(const NetOptions& options, std::shared_ptr<Net> net = nullptr);

  std::string_view name() const override { return name_; }  // "ofi:tcp;ofi_rxm"
  const NetProperties& properties() const { return properties_; }
  Expected<std::unique_ptr<RecvConnector>> listen(const PeerIdentity& sender, std::vector<std::byte>& handle) override;
  Expected<std::unique_ptr<SendConnector>> connect(const PeerIdentity& receiver,
                                                   std::span<const std::byte> handle) override;

 private:
  NetTransport(const NetOptions& options, std::shared_ptr<Net> net, NetProperties properties, std::string name)
      : options_(options), net_(std::move(net)), properties_(std::move(properties)), name_(std::move(name)) {}

  NetOptions options_;
  std::shared_ptr<Net> net_;
  NetProperties properties_;
  std::string name_;
};

}  // namespace fccl
