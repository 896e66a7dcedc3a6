#include "bootstrap/bootstrap.h"

#include <chrono>
#include <cstring>

#include "bootstrap/rendezvous.h"
#include "bootstrap/unique_id.h"
#include "bootstrap/wire.h"
#include "common/log.h"

namespace fccl {
namespace {

using bootstrap::IoWait;

constexpr uint32_t kTagAllGather = Bootstrap::kReservedTagBase;
constexpr uint32_t kTagBarrier = Bootstrap::kReservedTagBase + 0x100;  // + round (< 32)

Status checkOptions(const BootstrapOptions& options) {
  if (options.nranks < 1 || static_cast<uint32_t>(options.nranks) > bootstrap::kMaxRanks)
    return Status(Code::kInvalidArgument, "nranks " + std::to_string(options.nranks) + " is outside 1.." +
                                              std::to_string(bootstrap::kMaxRanks));
  if (options.rank < 0 || options.rank >= options.nranks)
    return Status(Code::kInvalidArgument,
                  "rank " + std::to_string(options.rank) + " is outside 0.." + std::to_string(options.nranks - 1));
  if (options.timeoutMs <= 0)
    return Status(Code::kInvalidArgument, "timeout of " + std::to_string(options.timeoutMs) + " ms");
  return Status::ok();
}

}  // namespace

Expected<std::unique_ptr<Bootstrap>> Bootstrap::create(const fcclUniqueId& id, const BootstrapOptions& options) {
  const std::string who = "rank " + std::to_string(options.rank) + "/" + std::to_string(options.nranks);
  FCCL_TRY(checkOptions(options).context(who + ": bootstrap"));
  auto data = decodeUniqueId(id);
  if (!data.isOk()) return std::move(data).takeStatus().context(who + ": bootstrap");
  const auto start = std::chrono::steady_clock::now();
  const IoWait io(options.timeoutMs, options.abortFlag);
  auto joined = bootstrap::joinRendezvous(*data, options.rank, options.nranks, io);
  if (!joined.isOk())
    return std::move(joined).takeStatus().context(who + ": bootstrap rendezvous at " + data->root.toString());
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  FCCL_INFO(Subsys::kBootstrap, "%s: bootstrap rendezvous of %d ranks at %s complete in %lld ms", who.c_str(),
            options.nranks, data->root.toString().c_str(), static_cast<long long>(ms.count()));
  return std::unique_ptr<Bootstrap>(
      new Bootstrap(options, data->secret, std::move(joined->listenFd), joined->listen, std::move(joined->peers)));
}

Bootstrap::Bootstrap(const BootstrapOptions& options, const bootstrap::Secret& secret, UniqueFd listenFd,
                     const bootstrap::SocketAddress& listen, std::vector<bootstrap::SocketAddress> peers)
    : options_(options),
      secret_(secret),
      listen_(listen),
      peers_(std::move(peers)),
      outgoing_(static_cast<size_t>(options.nranks)),
      inbox_(std::move(listenFd), secret, options.rank, options.nranks) {}

IoWait Bootstrap::newWait() {
  return IoWait(options_.timeoutMs, options_.abortFlag,
                [this](int fd, short events, int ms) { return inbox_.progress(fd, events, ms); });
}

Status Bootstrap::checkPeer(int peer) const {
  if (peer < 0 || peer >= options_.nranks)
    return Status(Code::kInvalidArgument,
                  "peer " + std::to_string(peer) + " is outside 0.." + std::to_string(options_.nranks - 1));
  return Status::ok();
}

std::string Bootstrap::describe(const char* op, int peer, uint32_t tag, size_t bytes) const {
  std::string peerName = "rank " + std::to_string(peer);
  if (peer >= 0 && peer < options_.nranks) peerName += " (" + peers_[static_cast<size_t>(peer)].toString() + ")";
  return std::string(op) + " " + peerName + " tag " + std::to_string(tag) + " (" + std::to_string(bytes) + " bytes)";
}

Status Bootstrap::send(int peer, uint32_t tag, std::span<const std::byte> data) {
  const std::string who = "rank " + std::to_string(options_.rank);
  if (tag >= kReservedTagBase)
    return Status(Code::kInvalidArgument, "tags from " + std::to_string(kReservedTagBase) + " up are reserved")
        .context(who + ": " + describe("send to", peer, tag, data.size()));
  return sendTagged(peer, tag, data, newWait()).context(who);
}

Status Bootstrap::recv(int peer, uint32_t tag, std::span<std::byte> data) {
  const std::string who = "rank " + std::to_string(options_.rank);
  if (tag >= kReservedTagBase)
    return Status(Code::kInvalidArgument, "tags from " + std::to_string(kReservedTagBase) + " up are reserved")
        .context(who + ": " + describe("recv from", peer, tag, data.size()));
  return recvTagged(peer, tag, data, newWait()).context(who);
}

Expected<int> Bootstrap::connection(int peer, const IoWait& io) {
  UniqueFd& out = outgoing_[static_cast<size_t>(peer)];
  if (out.valid()) return out.get();
  const auto& address = peers_[static_cast<size_t>(peer)];
  // Its listener is up since before the rendezvous ended: a refusal means it is gone.
  FCCL_ASSIGN_OR_RETURN(UniqueFd fd, bootstrap::connectTo(address, io, /*retryRefused=*/false));
  FCCL_TRY(bootstrap::authenticateAsConnector(fd.get(), secret_, io, address.toString()));
  out = std::move(fd);
  return out.get();
}

Status Bootstrap::sendTagged(int peer, uint32_t tag, std::span<const std::byte> data, const IoWait& io) {
  const std::string where = describe("send to", peer, tag, data.size());
  FCCL_TRY(checkPeer(peer).context(where));
  if (data.size() > bootstrap::kMaxPayloadBytes)
    return Status(Code::kInvalidArgument,
                  "larger than the bootstrap's limit of " + std::to_string(bootstrap::kMaxPayloadBytes) + " bytes")
        .context(where);
  if (peer == options_.rank) {
    inbox_.deliverLocal(tag, data);
    return Status::ok();
  }
  auto fd = connection(peer, io);
  if (!fd.isOk()) return std::move(fd).takeStatus().context(where + ": connecting");
  const bootstrap::Header header{bootstrap::MsgType::kData, static_cast<uint32_t>(options_.rank), tag, data.size()};
  if (Status s = bootstrap::sendMessage(*fd, header, data, io); !s.isOk()) {
    // Part of a message may be on its way: the stream cannot carry another one.
    outgoing_[static_cast<size_t>(peer)].reset();
    return std::move(s).context(where);
  }
  return Status::ok();
}

Status Bootstrap::recvTagged(int peer, uint32_t tag, std::span<std::byte> data, const IoWait& io) {
  const std::string where = describe("recv from", peer, tag, data.size());
  FCCL_TRY(checkPeer(peer).context(where));
  for (;;) {
    if (auto message = inbox_.take(peer, tag)) {
      if (message->size() != data.size())
        return Status(Code::kInvalidUsage, "the message is " + std::to_string(message->size()) + " bytes")
            .context(where);
      if (!data.empty()) std::memcpy(data.data(), message->data(), data.size());
      return Status::ok();
    }
    if (const Status* broken = inbox_.peerError(peer)) return Status(*broken).context(where);
    FCCL_TRY(io.check().context(where));
    auto progressed = inbox_.progress(-1, 0, io.pollMs());
    if (!progressed.isOk()) return std::move(progressed).takeStatus().context(where);
  }
}

Status Bootstrap::allGather(std::span<std::byte> all, size_t bytesPerRank) {
  const int n = options_.nranks, rank = options_.rank;
  const std::string where =
      "rank " + std::to_string(rank) + ": allgather of " + std::to_string(bytesPerRank) + " bytes per rank";
  if (bytesPerRank > all.size() / static_cast<size_t>(n) || all.size() != bytesPerRank * static_cast<size_t>(n))
    return Status(Code::kInvalidArgument,
                  "buffer of " + std::to_string(all.size()) + " bytes for " + std::to_string(n) + " ranks")
        .context(where);
  // Step s passes on the block that arrived in step s-1 (our own in step 0): after n-1 steps
  // every block has gone all the way round.
  const IoWait io = newWait();
  const int next = (rank + 1) % n, prev = (rank + n - 1) % n;
  auto block = [&](int r) { return all.subspan(static_cast<size_t>(r) * bytesPerRank, bytesPerRank); };
  for (int step = 0; step < n - 1; ++step) {
    const std::string at = where + ", step " + std::to_string(step + 1) + "/" + std::to_string(n - 1);
    FCCL_TRY(sendTagged(next, kTagAllGather, block((rank - step + n) % n), io).context(at));
    FCCL_TRY(recvTagged(prev, kTagAllGather, block((rank - step - 1 + n) % n), io).context(at));
  }
  return Status::ok();
}

Status Bootstrap::barrier() {
  // Dissemination: in round k everyone signals rank + 2^k and waits for rank - 2^k; after
  // ceil(log2 n) rounds each rank has heard, directly or not, from every other.
  const int n = options_.nranks, rank = options_.rank;
  const IoWait io = newWait();
  uint32_t round = 0;
  for (int distance = 1; distance < n; distance *= 2, ++round) {
    const std::string at = "rank " + std::to_string(rank) + ": barrier round " + std::to_string(round + 1);
    FCCL_TRY(sendTagged((rank + distance) % n, kTagBarrier + round, {}, io).context(at));
    FCCL_TRY(recvTagged((rank - distance % n + n) % n, kTagBarrier + round, {}, io).context(at));
  }
  return Status::ok();
}

}  // namespace fccl
