#include "transports/plugin/net.h"

#include <dlfcn.h>
#include <unistd.h>

#include <mutex>
#include <utility>

#include "common/env.h"
#include "common/log.h"
#include "common/plugin_hooks.h"
#include "common/result_code.h"
#include "transports/plugin/net_checks.h"
#include "transports/scaleout/ofi_net.h"

namespace fccl {
namespace {

constexpr const char* kPluginEnv = "FCCL_NET_PLUGIN";

void forwardLog(fcclLogLevel_t level, const char* message) { plugin::forwardLog(level, message, Subsys::kNet, "net plugin"); }

template <class Hook>
Status callHook(std::string_view name, const char* hook, Hook&& run) {
  return plugin::callHook("net", name, hook, std::forward<Hook>(run));
}

std::string dlMessage() {
  const char* text = dlerror();
  return text ? text : "unknown dl error";
}

}  // namespace

void NetLibraryClose::operator()(void* handle) const {
  if (handle) dlclose(handle);
}

// ---- NetComm / NetMr ----

NetComm::NetComm(NetComm&& other) noexcept
    : net_(std::exchange(other.net_, nullptr)), kind_(other.kind_), comm_(std::exchange(other.comm_, nullptr)) {}

NetComm& NetComm::operator=(NetComm&& other) noexcept {
  if (this != &other) {
    reset();
    net_ = std::exchange(other.net_, nullptr);
    kind_ = other.kind_;
    comm_ = std::exchange(other.comm_, nullptr);
  }
  return *this;
}

void NetComm::reset() {
  if (!comm_) return;
  Status s = net_->close(kind_, std::exchange(comm_, nullptr));
  if (!s.isOk()) FCCL_INFO(Subsys::kNet, "%s", s.message().c_str());
}

NetMr::NetMr(NetMr&& other) noexcept
    : net_(std::exchange(other.net_, nullptr)), comm_(std::exchange(other.comm_, nullptr)),
      mhandle_(std::exchange(other.mhandle_, nullptr)) {}

NetMr& NetMr::operator=(NetMr&& other) noexcept {
  if (this != &other) {
    reset();
    net_ = std::exchange(other.net_, nullptr);
    comm_ = std::exchange(other.comm_, nullptr);
    mhandle_ = std::exchange(other.mhandle_, nullptr);
  }
  return *this;
}

void NetMr::reset() {
  if (!net_) return;
  Status s = net_->deregMr(comm_, mhandle_);
  net_ = nullptr;
  comm_ = mhandle_ = nullptr;
  if (!s.isOk()) FCCL_INFO(Subsys::kNet, "%s", s.message().c_str());
}

// ---- Net ----

Expected<std::unique_ptr<Net>> Net::load() {
  const auto path = envString(kPluginEnv);
  if (!path || *path == "ofi") return fromPlugin(&ofiNetPlugin(), "built-in");
  const std::string where = std::string(kPluginEnv) + "=" + *path + ": ";
  dlerror();  // clear any stale error so the message below is this call's
  NetLibrary library(dlopen(path->c_str(), RTLD_NOW | RTLD_LOCAL));
  if (!library) return Status(Code::kSystem, where + "cannot load the net plugin: " + dlMessage());
  void* symbol = dlsym(library.get(), FCCL_NET_PLUGIN_SYMBOL);
  if (!symbol)
    return Status(Code::kInvalidUsage, where + "no symbol " FCCL_NET_PLUGIN_SYMBOL " in the library: " + dlMessage());
  return fromPlugin(static_cast<const fcclNet_v1_t*>(symbol), *path, std::move(library));
}

Expected<std::shared_ptr<Net>> Net::process() {
  static std::mutex mutex;
  static std::weak_ptr<Net> cached;
  static pid_t owner = 0;
  std::lock_guard<std::mutex> guard(mutex);
  // A forked child must not use its parent's net, whose progress threads did not fork with it.
  if (owner == getpid())
    if (std::shared_ptr<Net> net = cached.lock()) return net;
  FCCL_ASSIGN_OR_RETURN(std::unique_ptr<Net> loaded, load());
  std::shared_ptr<Net> net = std::move(loaded);
  cached = net;
  owner = getpid();
  return net;
}

Expected<std::unique_ptr<Net>> Net::fromPlugin(const fcclNet_v1_t* plugin, std::string origin, NetLibrary library) {
  FCCL_TRY(checkNetPlugin(plugin, origin));
  void* ctx = nullptr;
  Status init = callHook(plugin->name, "init", [&] { return plugin->init(forwardLog, &ctx); });
  if (!init.isOk()) return std::move(init).context("net plugin " + origin);
  std::unique_ptr<Net> net(new Net(std::move(library), plugin, ctx));
  FCCL_INFO(Subsys::kNet, "net '%s' from %s (plugin ABI %u.%u)", plugin->name, origin.c_str(), plugin->version >> 16,
            plugin->version & 0xffffu);
  return net;
}

Net::Net(NetLibrary library, const fcclNet_v1_t* plugin, void* ctx)
    : library_(std::move(library)), plugin_(plugin), ctx_(ctx) {}

Net::~Net() {
  Status s = callHook(name(), "finalize", [&] { return plugin_->finalize(ctx_); });
  if (!s.isOk()) FCCL_INFO(Subsys::kNet, "%s", s.message().c_str());
}

Expected<int> Net::devices() {
  int n = 0;
  FCCL_TRY(callHook(name(), "devices", [&] { return plugin_->devices(ctx_, &n); }));
  return checkNetDeviceCount(name(), n);
}

Expected<NetProperties> Net::properties(int dev) {
  fcclNetProperties_v1_t p{};
  p.size = sizeof(p);
  FCCL_TRY(callHook(name(), "getProperties", [&] { return plugin_->getProperties(ctx_, dev, &p); })
               .context("device " + std::to_string(dev)));
  return netPropertiesFrom(p);
}

Expected<NetComm> Net::listen(int dev, NetHandle& handle) {
  void* comm = nullptr;
  handle.fill(std::byte{0});
  FCCL_TRY(callHook(name(), "listen", [&] { return plugin_->listen(ctx_, dev, handle.data(), &comm); }));
  return NetComm(this, NetComm::Kind::kListen, comm);
}

Expected<NetComm> Net::connect(int dev, const NetHandle& handle) {
  void* comm = nullptr;
  FCCL_TRY(callHook(name(), "connect", [&] { return plugin_->connect(ctx_, dev, handle.data(), &comm); }));
  return NetComm(this, NetComm::Kind::kSend, comm);
}

Expected<NetComm> Net::accept(NetComm& listen) {
  void* comm = nullptr;
  FCCL_TRY(callHook(name(), "accept", [&] { return plugin_->accept(listen.get(), &comm); }));
  return NetComm(this, NetComm::Kind::kRecv, comm);
}

Expected<NetMr> Net::regMr(const NetComm& comm, void* data, size_t bytes) {
  void* mhandle = nullptr;
  FCCL_TRY(callHook(name(), "regMr",
                    [&] { return plugin_->regMr(comm.get(), data, bytes, FCCL_NET_PTR_HOST, &mhandle); }));
  return NetMr(this, comm.get(), mhandle);
}

Expected<NetMr> Net::regMrDmaBuf(const NetComm& comm, void* data, size_t bytes, uint64_t offset, int fd) {
  void* mhandle = nullptr;
  FCCL_TRY(callHook(name(), "regMrDmaBuf", [&] {
    return plugin_->regMrDmaBuf(comm.get(), data, bytes, FCCL_NET_PTR_DMABUF, offset, fd, &mhandle);
  }));
  return NetMr(this, comm.get(), mhandle);
}

Expected<void*> Net::isend(const NetComm& comm, const void* data, size_t bytes, uint32_t tag, const NetMr& mr) {
  void* request = nullptr;
  FCCL_TRY(callHook(name(), "isend", [&] {
    return plugin_->isend(comm.get(), const_cast<void*>(data), bytes, tag, mr.get(), &request);
  }));
  return request;
}

Expected<void*> Net::irecv(const NetComm& comm, std::span<void* const> data, std::span<const size_t> sizes,
                           std::span<const uint32_t> tags, std::span<const NetMr* const> mrs) {
  const size_t n = data.size();
  if (n == 0 || n > FCCL_NET_MAX_RECVS || sizes.size() != n || tags.size() != n || mrs.size() != n)
    return Status(Code::kInvalidArgument, "irecv of " + std::to_string(n) + " buffers with " +
                                              std::to_string(sizes.size()) + " sizes, " + std::to_string(tags.size()) +
                                              " tags and " + std::to_string(mrs.size()) + " registrations");
  void* buffers[FCCL_NET_MAX_RECVS];
  size_t lengths[FCCL_NET_MAX_RECVS];
  uint32_t tagList[FCCL_NET_MAX_RECVS];
  void* handles[FCCL_NET_MAX_RECVS];
  for (size_t i = 0; i < n; ++i) {
    buffers[i] = data[i];
    lengths[i] = sizes[i];
    tagList[i] = tags[i];
    handles[i] = mrs[i] ? mrs[i]->get() : nullptr;
  }
  void* request = nullptr;
  FCCL_TRY(callHook(name(), "irecv", [&] {
    return plugin_->irecv(comm.get(), static_cast<int>(n), buffers, lengths, tagList, handles, &request);
  }));
  return request;
}

Expected<void*> Net::iflush(const NetComm& comm, std::span<void* const> data, std::span<const size_t> sizes,
                            std::span<const NetMr* const> mrs) {
  const size_t n = data.size();
  if (n == 0 || n > FCCL_NET_MAX_RECVS || sizes.size() != n || mrs.size() != n)
    return Status(Code::kInvalidArgument, "iflush of " + std::to_string(n) + " buffers");
  void* buffers[FCCL_NET_MAX_RECVS];
  size_t lengths[FCCL_NET_MAX_RECVS];
  void* handles[FCCL_NET_MAX_RECVS];
  for (size_t i = 0; i < n; ++i) {
    buffers[i] = data[i];
    lengths[i] = sizes[i];
    handles[i] = mrs[i] ? mrs[i]->get() : nullptr;
  }
  void* request = nullptr;
  FCCL_TRY(callHook(name(), "iflush", [&] {
    return plugin_->iflush(comm.get(), static_cast<int>(n), buffers, lengths, handles, &request);
  }));
  return request;
}

Expected<bool> Net::test(void* request, size_t* sizes) {
  int done = 0;
  FCCL_TRY(callHook(name(), "test", [&] { return plugin_->test(request, &done, sizes); }));
  return done != 0;
}

Status Net::close(NetComm::Kind kind, void* comm) {
  switch (kind) {
    case NetComm::Kind::kListen: return callHook(name(), "closeListen", [&] { return plugin_->closeListen(comm); });
    case NetComm::Kind::kSend: return callHook(name(), "closeSend", [&] { return plugin_->closeSend(comm); });
    case NetComm::Kind::kRecv: return callHook(name(), "closeRecv", [&] { return plugin_->closeRecv(comm); });
  }
  return Status(Code::kInternal, "unknown comm kind");
}

Status Net::deregMr(void* comm, void* mhandle) {
  return callHook(name(), "deregMr", [&] { return plugin_->deregMr(comm, mhandle); });
}

}  // namespace fccl
