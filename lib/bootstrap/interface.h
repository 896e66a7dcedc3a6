// Which local address the root listens on. FCCL_SOCKET_IFNAME picks interfaces by name: a
// comma-separated list of prefixes ("eth,ib"), "=" for exact names ("=eth0"), "^" to exclude
// ("^docker,lo"). Without it: the first non-loopback IPv4 interface that is up, else 127.0.0.1.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bootstrap/address.h"
#include "common/expected.h"

namespace fccl::bootstrap {

struct InterfaceAddress {
  std::string name;
  SocketAddress address;  // port 0
  bool up = false;
  bool loopback = false;
};

// The choice itself, apart from the system query, so tests can hand it any list. Among the
// interfaces that FCCL_SOCKET_IFNAME admits, IPv4 is preferred over IPv6 and a global IPv6
// address over a link-local one.
Expected<SocketAddress> chooseListenAddress(const std::vector<InterfaceAddress>& interfaces,
                                            const std::optional<std::string>& ifnameSpec);

// The interfaces of this host (getifaddrs), then chooseListenAddress with FCCL_SOCKET_IFNAME.
Expected<SocketAddress> findListenAddress();

}  // namespace fccl::bootstrap
