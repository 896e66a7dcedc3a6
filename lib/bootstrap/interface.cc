#include "bootstrap/interface.h"

#include <ifaddrs.h>
#include <net/if.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "common/env.h"

namespace fccl::bootstrap {
namespace {

// FCCL_SOCKET_IFNAME, parsed: "^" excludes the listed names, "=" matches them exactly instead
// of as prefixes (NCCL_SOCKET_IFNAME's syntax, which users already know).
struct NameFilter {
  bool exclude = false;
  bool exact = false;
  std::vector<std::string> names;

  explicit NameFilter(std::string_view spec) {
    if (!spec.empty() && spec.front() == '^') exclude = true, spec.remove_prefix(1);
    if (!spec.empty() && spec.front() == '=') exact = true, spec.remove_prefix(1);
    while (!spec.empty()) {
      size_t comma = spec.find(',');
      std::string_view item = spec.substr(0, comma);
      if (!item.empty()) names.emplace_back(item);
      spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
    }
  }

  bool admits(const std::string& name) const {
    bool listed = false;
    for (const auto& n : names) listed = listed || (exact ? name == n : name.rfind(n, 0) == 0);
    return listed != exclude;
  }
};

// Lower is better: IPv4, then global IPv6, then link-local IPv6 (which needs a scope to reach);
// loopback only when nothing else is admitted.
int preference(const InterfaceAddress& i) {
  int p = i.loopback ? 10 : 0;
  if (i.address.family() == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(i.address.get());
    p += IN6_IS_ADDR_LINKLOCAL(&v6->sin6_addr) ? 2 : 1;
  }
  return p;
}

std::string interfaceNames(const std::vector<InterfaceAddress>& interfaces) {
  std::vector<std::string> seen;
  std::string out;
  for (const auto& i : interfaces) {
    if (std::find(seen.begin(), seen.end(), i.name) != seen.end()) continue;
    seen.push_back(i.name);
    out += (out.empty() ? "" : ", ") + i.name + (i.up ? "" : " (down)");
  }
  return out.empty() ? "none" : out;
}

}  // namespace

Expected<SocketAddress> chooseListenAddress(const std::vector<InterfaceAddress>& interfaces,
                                            const std::optional<std::string>& ifnameSpec) {
  if (!ifnameSpec) {
    for (const auto& i : interfaces)
      if (i.up && !i.loopback && i.address.family() == AF_INET) return i.address;
    return SocketAddress::ipv4Loopback(0);
  }
  const NameFilter filter(*ifnameSpec);
  const InterfaceAddress* best = nullptr;
  for (const auto& i : interfaces) {
    if (!i.up || !filter.admits(i.name)) continue;
    if (!best || preference(i) < preference(*best)) best = &i;
  }
  if (!best)
    return Status(Code::kInvalidArgument, "FCCL_SOCKET_IFNAME=" + *ifnameSpec +
                                              " admits no interface that is up with an IP address (interfaces: " +
                                              interfaceNames(interfaces) + ")");
  return best->address;
}

Expected<SocketAddress> findListenAddress() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return systemError("getifaddrs", errno);
  std::unique_ptr<ifaddrs, decltype(&freeifaddrs)> owner(list, &freeifaddrs);
  std::vector<InterfaceAddress> interfaces;
  for (const ifaddrs* ifa = list; ifa; ifa = ifa->ifa_next) {
    if (!ifa->ifa_addr || (ifa->ifa_addr->sa_family != AF_INET && ifa->ifa_addr->sa_family != AF_INET6)) continue;
    const socklen_t length = ifa->ifa_addr->sa_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
    auto address = SocketAddress::fromSockaddr(ifa->ifa_addr, length);
    if (!address.isOk()) continue;
    interfaces.push_back(
        {ifa->ifa_name, address->hostOnly(), (ifa->ifa_flags & IFF_UP) != 0, (ifa->ifa_flags & IFF_LOOPBACK) != 0});
  }
  return chooseListenAddress(interfaces, envString("FCCL_SOCKET_IFNAME"));
}

}  // namespace fccl::bootstrap
