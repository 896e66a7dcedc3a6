// The connector interface: how the executor moves chunks to and from one peer, whatever the
// fabric. A transport makes connectors; connectors move bytes and know nothing of collectives.
//
// The stream between two ranks is a FIFO of fixed-size slots that lives where the receiver can
// read it fastest (the receiver's memory for scale-up, a registered bounce buffer for
// scale-out). The sender writes a chunk straight into a slot and commits it; the receiver reads
// it in place, reduces or copies it out, and releases the slot. Nothing here blocks: an empty
// answer means "not yet", and the caller decides how to wait (see common/wait.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "common/expected.h"

namespace fccl {

class SendConnector {
 public:
  virtual ~SendConnector() = default;
  // The slot for the next chunk (slotBytes() long), or an empty span while every slot is still
  // held by the receiver. Calling it again before commit() gives the same slot.
  virtual std::span<std::byte> acquire() = 0;
  // Hands the first `bytes` bytes of the acquired slot to the receiver, in order. bytes <= slotBytes().
  virtual void commit(size_t bytes) = 0;
  virtual size_t slotBytes() const = 0;
  // kRemote when the peer is known to be gone; checked while waiting, not on every call.
  virtual Status health() = 0;
  virtual std::string_view name() const = 0;  // "shm", "ofi:tcp;ofi_rxm", ...
  // The communicator failed or was aborted: what is still in flight may be dropped at close
  // instead of being seen delivered (the receiver, failing too, may never take it).
  virtual void abandon() {}
  // Bytes committed so far: the traffic this connection carried.
  uint64_t bytesCommitted() const { return bytesCommitted_; }

 protected:
  uint64_t bytesCommitted_ = 0;  // commit() adds its bytes
};

class RecvConnector {
 public:
  virtual ~RecvConnector() = default;
  // The next chunk the peer committed, or nullopt when none has arrived. Its size has been
  // checked against slotBytes(): a peer cannot make us read outside the slot.
  virtual std::optional<std::span<const std::byte>> peek() = 0;
  // Gives the slot of the chunk returned by peek() back to the sender.
  virtual void release() = 0;
  virtual Status health() = 0;
  virtual std::string_view name() const = 0;
};

// What a connection between two ranks is set up with. The receiver creates its end first and
// produces a handle (opaque bytes); the communicator carries the handle to the sender over the
// bootstrap network; the sender connects with it.
struct PeerIdentity {
  int rank = -1;
  int pid = -1;
};

class Transport {
 public:
  virtual ~Transport() = default;
  virtual std::string_view name() const = 0;
  virtual Expected<std::unique_ptr<RecvConnector>> listen(const PeerIdentity& sender, std::vector<std::byte>& handle) = 0;
  virtual Expected<std::unique_ptr<SendConnector>> connect(const PeerIdentity& receiver,
                                                           std::span<const std::byte> handle) = 0;
};

}  // namespace fccl
