#include "bootstrap/rendezvous.h"

#include "bootstrap/auth.h"
#include "bootstrap/messages.h"
#include "bootstrap/wire.h"
#include "common/log.h"

namespace fccl::bootstrap {
namespace {

// This rank listens on the address its connection to the root came from: the interface that
// routes towards the root is the one its peers (which reach the same root) can reach as well.
Expected<Rendezvous> listenNextTo(int rootFd) {
  FCCL_ASSIGN_OR_RETURN(SocketAddress local, localAddress(rootFd));
  Rendezvous out;
  FCCL_ASSIGN_OR_RETURN(out.listenFd, listenOn(local.hostOnly()));
  FCCL_ASSIGN_OR_RETURN(out.listen, localAddress(out.listenFd.get()));
  return out;
}

// The root's answer to our hello: the table, or the Status it reported.
Expected<std::vector<SocketAddress>> awaitTable(int rootFd, int nranks, const std::string& root, const IoWait& io) {
  auto answer = recvMessage(rootFd, static_cast<uint32_t>(nranks), root, io);
  if (!answer.isOk()) return std::move(answer).takeStatus().context("waiting for the address table");
  if (answer->header.type == MsgType::kError) return decodeError(answer->payload, "the root reports");
  if (answer->header.type != MsgType::kTable)
    return Status(Code::kRemote,
                  "unexpected message type " + std::to_string(static_cast<int>(answer->header.type)) + " from " + root);
  return decodeTable(answer->payload, static_cast<uint32_t>(nranks), root);
}

}  // namespace

Expected<Rendezvous> joinRendezvous(const UniqueIdData& id, int rank, int nranks, const IoWait& io) {
  // The caller's context names the root's address; errors here say which step failed.
  const std::string root = "the root";
  auto rootFd = connectTo(id.root, io, /*retryRefused=*/true);
  if (!rootFd.isOk()) return std::move(rootFd).takeStatus().context("connecting");
  FCCL_TRY(authenticateAsConnector(rootFd->get(), id.secret, io, id.root.toString()));

  FCCL_ASSIGN_OR_RETURN(Rendezvous out, listenNextTo(rootFd->get()));
  FCCL_INFO(Subsys::kBootstrap, "rank %d/%d: bootstrap listening on %s", rank, nranks, out.listen.toString().c_str());

  const auto hello = encodeHello(static_cast<uint32_t>(nranks), out.listen);
  const Header header{MsgType::kHello, static_cast<uint32_t>(rank), 0, hello.size()};
  if (Status s = sendMessage(rootFd->get(), header, hello, io); !s.isOk()) return std::move(s).context("saying hello");
  FCCL_ASSIGN_OR_RETURN(out.peers, awaitTable(rootFd->get(), nranks, root, io));
  if (!(out.peers[static_cast<size_t>(rank)] == out.listen))
    return Status(Code::kRemote, root + " lists rank " + std::to_string(rank) + " at " +
                                     out.peers[static_cast<size_t>(rank)].toString() + ", but it listens on " +
                                     out.listen.toString());
  return out;
}

}  // namespace fccl::bootstrap
