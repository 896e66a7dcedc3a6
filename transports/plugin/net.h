// The scale-out net as the rest of fccl sees it: a C++ wrapper over one fccl_net.h plugin (the
// built-in `ofi` net, or a library named by FCCL_NET_PLUGIN) and the context its init returned.
// Every plugin result becomes a Status whose message names the net, the hook and what the
// plugin logged about the failure.
//
// Lifetime: a Net owns the plugin context (finalize in the destructor) and the dlopen handle
// (closed after finalize). Comms and registrations are RAII objects (NetComm, NetMr) that must
// go before their Net; a registration must go before the comm it was made on. Requests are
// plain handles: test() them until done, or close their comm.
//
// Thread safety is the plugin's (fccl_net.h: hooks may be called from several threads); the
// wrapper adds no state besides a thread-local capture of the plugin's messages.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/expected.h"
#include "common/status.h"
#include "fccl/fccl_net.h"

namespace fccl {

struct NetLibraryClose {
  void operator()(void* handle) const;
};
using NetLibrary = std::unique_ptr<void, NetLibraryClose>;  // a dlopen handle, closed once

using NetHandle = std::array<std::byte, FCCL_NET_HANDLE_MAXSIZE>;

struct NetProperties {
  std::string name;      // the NIC
  std::string pciPath;
  std::string provider;  // "tcp;ofi_rxm"; empty when the net has none
  uint64_t guid = 0;
  int speedMbps = 0;
  float latencyUs = 0;
  int maxComms = 0;
  int maxRecvs = 1;
  int ptrSupport = 0;
  bool regIsGlobal = false;
  bool rma = false;
};

class Net;

// A listen, send or receive comm, closed once by its destructor (or reset()).
class NetComm {
 public:
  enum class Kind { kListen, kSend, kRecv };
  NetComm() = default;
  NetComm(Net* net, Kind kind, void* comm) : net_(net), kind_(kind), comm_(comm) {}
  NetComm(NetComm&& other) noexcept;
  NetComm& operator=(NetComm&& other) noexcept;
  NetComm(const NetComm&) = delete;
  NetComm& operator=(const NetComm&) = delete;
  ~NetComm() { reset(); }

  void* get() const { return comm_; }
  explicit operator bool() const { return comm_ != nullptr; }
  // Closes the comm now; a close that fails is logged (nothing is left to act on).
  void reset();

 private:
  Net* net_ = nullptr;
  Kind kind_ = Kind::kSend;
  void* comm_ = nullptr;
};

// A memory registration, deregistered once by its destructor.
class NetMr {
 public:
  NetMr() = default;
  NetMr(Net* net, void* comm, void* mhandle) : net_(net), comm_(comm), mhandle_(mhandle) {}
  NetMr(NetMr&& other) noexcept;
  NetMr& operator=(NetMr&& other) noexcept;
  NetMr(const NetMr&) = delete;
  NetMr& operator=(const NetMr&) = delete;
  ~NetMr() { reset(); }

  void* get() const { return mhandle_; }
  void reset();

 private:
  Net* net_ = nullptr;
  void* comm_ = nullptr;
  void* mhandle_ = nullptr;
};

class Net {
 public:
  // The net named by FCCL_NET_PLUGIN (a shared library exporting fcclNetPlugin_v1; "ofi" or
  // unset: the built-in one). Errors name the library and what is wrong with it.
  static Expected<std::unique_ptr<Net>> load();
  // Validates `plugin` (non-NULL, size, major version 1, name and every hook present) and runs
  // its init. `origin` says where the struct came from ("built-in", a path); `library` keeps a
  // loaded plugin's code mapped while the Net lives.
  static Expected<std::unique_ptr<Net>> fromPlugin(const fcclNet_v1_t* plugin, std::string origin,
                                                   NetLibrary library = nullptr);
  // The net of this process, shared by every transport that asks (one set of endpoints and
  // progress threads however many communicators): loaded by load() on first use, finalized when
  // the last user lets go, loaded afresh after that (or in a forked child). A failed load is not
  // kept: the next call tries again.
  static Expected<std::shared_ptr<Net>> process();

  Net(const Net&) = delete;
  Net& operator=(const Net&) = delete;
  ~Net();

  std::string_view name() const { return plugin_->name; }
  Expected<int> devices();
  Expected<NetProperties> properties(int dev);

  // Receiver: fills `handle` for the sender. Never blocks.
  Expected<NetComm> listen(int dev, NetHandle& handle);
  // Sender: an empty comm while the connection is still being made; call again, same handle.
  Expected<NetComm> connect(int dev, const NetHandle& handle);
  // Receiver: an empty comm until the sender has connected; call again.
  Expected<NetComm> accept(NetComm& listen);

  // Host memory, for use on any comm of the comm's device.
  Expected<NetMr> regMr(const NetComm& comm, void* data, size_t bytes);
  Expected<NetMr> regMrDmaBuf(const NetComm& comm, void* data, size_t bytes, uint64_t offset, int fd);

  // A request to test(), or nullptr: back-pressure, nothing was sent; call again later.
  Expected<void*> isend(const NetComm& comm, const void* data, size_t bytes, uint32_t tag, const NetMr& mr);
  // One request for all buffers (data, sizes, tags and mrs have the same length, 1..maxRecvs).
  Expected<void*> irecv(const NetComm& comm, std::span<void* const> data, std::span<const size_t> sizes,
                        std::span<const uint32_t> tags, std::span<const NetMr* const> mrs);
  // nullptr when there is nothing to flush.
  Expected<void*> iflush(const NetComm& comm, std::span<void* const> data, std::span<const size_t> sizes,
                         std::span<const NetMr* const> mrs);
  // Never blocks: true once done (then `sizes`, when given, holds what each buffer got), false
  // while in flight. Done or failed, the request is gone.
  Expected<bool> test(void* request, size_t* sizes = nullptr);

 private:
  friend class NetComm;
  friend class NetMr;
  Net(NetLibrary library, const fcclNet_v1_t* plugin, void* ctx);
  Status close(NetComm::Kind kind, void* comm);
  Status deregMr(void* comm, void* mhandle);

  NetLibrary library_;  // declared first: closed only after the plugin is finalized
  const fcclNet_v1_t* plugin_;
  void* ctx_;
};

}  // namespace fccl
