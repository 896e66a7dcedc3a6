// The root of one rendezvous. It runs on a thread of the process that created the unique id
// (or of rank 0, in an environment-only launch), accepts connections on the id's address,
// authenticates each, and reads one Hello per rank: {rank, nranks, the rank's listen address}.
// A hello is refused (and the rendezvous goes on) when its rank is out of range or already
// taken, or its nranks differs from the first rank's. Once all nranks ranks have arrived the
// root sends each of them the table of all listen addresses and exits. If they have not all
// arrived within the timeout it tells every rank that did which ranks never arrived
// ("rendezvous timed out after 2000 ms: rank 2 never arrived") and exits. Connections that fail
// authentication are dropped with a WARN naming the peer, without disturbing the others.
#pragma once

#include <cstdint>

#include "bootstrap/address.h"
#include "bootstrap/auth.h"
#include "common/status.h"
#include "common/unique_fd.h"

namespace fccl::bootstrap {

// Starts the root on `listenFd`, which already listens on `address`.
Status startRootService(UniqueFd listenFd, const SocketAddress& address, const Secret& secret, int64_t timeoutMs);

}  // namespace fccl::bootstrap
