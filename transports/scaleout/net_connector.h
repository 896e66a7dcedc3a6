// The two ends of one scale-out stream (see net_transport.h). Each finishes connecting inside
// its own calls, keeps its slots' requests, and turns the first error of the net into a sticky
// Status that health() reports.
#pragma once

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "transports/plugin/net.h"
#include "transports/transport.h"

namespace fccl {

// slots * slotBytes of page-aligned memory, freed once.
class SlotMemory {
 public:
  static Expected<SlotMemory> allocate(size_t bytes);
  std::byte* data() const { return memory_.get(); }
  size_t bytes() const { return bytes_; }

 private:
  struct Free {
    void operator()(std::byte* p) const { std::free(p); }
  };
  SlotMemory(std::byte* memory, size_t bytes) : memory_(memory), bytes_(bytes) {}
  std::unique_ptr<std::byte, Free> memory_;
  size_t bytes_ = 0;
};

class NetRecvConnector final : public RecvConnector {
 public:
  NetRecvConnector(std::shared_ptr<Net> net, NetComm listen, uint32_t slots, size_t slotBytes, std::string name);
  ~NetRecvConnector() override;
  std::optional<std::span<const std::byte>> peek() override;
  void release() override;
  Status health() override;
  std::string_view name() const override { return name_; }

 private:
  struct Slot {
    void* request = nullptr;  // the posted receive
    bool unposted = false;    // free, its irecv met back-pressure
    bool filled = false;      // a chunk is in it, returned by peek()
    size_t bytes = 0;
  };
  // Accepts, then sets up and posts every slot; re-posts slots that met back-pressure.
  Status advance();
  Status post(uint32_t slot);
  Status testHead();

  std::shared_ptr<Net> net_;  // first: the comms and registration below go before the net
  std::string name_;
  uint32_t slotCount_;
  size_t slotBytes_;
  std::optional<SlotMemory> bounce_;
  NetComm listen_;
  NetComm comm_;
  NetMr mr_;
  std::vector<Slot> slots_;
  uint64_t head_ = 0;
  Status failure_;
};

class NetSendConnector final : public SendConnector {
 public:
  NetSendConnector(std::shared_ptr<Net> net, int device, const NetHandle& handle, uint32_t slots, size_t slotBytes,
                   std::string name);
  ~NetSendConnector() override;
  std::span<std::byte> acquire() override;
  void commit(size_t bytes) override;
  size_t slotBytes() const override { return slotBytes_; }
  Status health() override;
  std::string_view name() const override { return name_; }
  void abandon() override { abandoned_ = true; }
  // The first connect attempt: an unusable handle fails here, not at the first acquire().
  Status start() { return advance(); }

 private:
  struct Slot {
    void* request = nullptr;  // the send in flight from it
    bool unposted = false;    // committed, its isend met back-pressure
    size_t bytes = 0;
  };
  // Connects, then sets up; retries sends that met back-pressure.
  Status advance();
  Status post(uint32_t slot);
  Status test(Slot& slot);

  std::shared_ptr<Net> net_;
  std::string name_;
  int device_;
  NetHandle handle_;
  uint32_t slotCount_;
  size_t slotBytes_;
  std::optional<SlotMemory> staging_;
  NetComm comm_;
  NetMr mr_;
  std::vector<Slot> slots_;
  uint64_t tail_ = 0;
  Status failure_;
  bool abandoned_ = false;  // close without waiting for the chunks in flight
};

}  // namespace fccl
