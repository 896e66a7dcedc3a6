// A rank's side of the rendezvous: connect to the root (retrying while it is not up yet),
// prove the secret, open this rank's own listening socket on the local address that routes to
// the root, say hello, and wait for the table of every rank's listen address, or for the
// root's explanation of why there will be none.
#pragma once

#include <vector>

#include "bootstrap/address.h"
#include "bootstrap/socket.h"
#include "bootstrap/unique_id.h"
#include "common/expected.h"
#include "common/unique_fd.h"

namespace fccl::bootstrap {

struct Rendezvous {
  UniqueFd listenFd;                 // this rank's listening socket, for its peers
  SocketAddress listen;              // its address
  std::vector<SocketAddress> peers;  // every rank's listen address, this rank's included
};

// kTimeout when the table does not come within io's deadline (or the root reports a timeout),
// kRemote when the root refuses this rank or its proof fails.
Expected<Rendezvous> joinRendezvous(const UniqueIdData& id, int rank, int nranks, const IoWait& io);

}  // namespace fccl::bootstrap
