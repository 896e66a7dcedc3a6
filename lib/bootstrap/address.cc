#include "bootstrap/address.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <cstring>
#include <memory>

#include "bootstrap/bytes.h"

namespace fccl::bootstrap {
namespace {

constexpr uint16_t kPackedIpv4 = 4;
constexpr uint16_t kPackedIpv6 = 6;

const sockaddr_in* asV4(const sockaddr_storage& s) { return reinterpret_cast<const sockaddr_in*>(&s); }
const sockaddr_in6* asV6(const sockaddr_storage& s) { return reinterpret_cast<const sockaddr_in6*>(&s); }
sockaddr_in* asV4(sockaddr_storage& s) { return reinterpret_cast<sockaddr_in*>(&s); }
sockaddr_in6* asV6(sockaddr_storage& s) { return reinterpret_cast<sockaddr_in6*>(&s); }

Status badText(std::string_view what, std::string_view text, std::string_view why) {
  return Status(Code::kInvalidArgument, std::string(what) + "=" + std::string(text) + ": " + std::string(why) +
                                            " (expected host:port, [ipv6]:port)");
}

Expected<uint16_t> parsePort(std::string_view digits) {
  if (digits.empty() || digits.size() > 5) return Status(Code::kInvalidArgument, "bad port");
  uint32_t port = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return Status(Code::kInvalidArgument, "bad port");
    port = port * 10 + static_cast<uint32_t>(c - '0');
  }
  if (port == 0 || port > 65535) return Status(Code::kInvalidArgument, "port out of range 1..65535");
  return static_cast<uint16_t>(port);
}

}  // namespace

Expected<SocketAddress> SocketAddress::fromSockaddr(const sockaddr* sa, socklen_t length) {
  SocketAddress out;
  if (sa->sa_family == AF_INET && length >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    out.length_ = sizeof(sockaddr_in);
  } else if (sa->sa_family == AF_INET6 && length >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    out.length_ = sizeof(sockaddr_in6);
  } else {
    return Status(Code::kInvalidArgument, "not an IPv4 or IPv6 address (family " + std::to_string(sa->sa_family) + ")");
  }
  std::memcpy(&out.storage_, sa, out.length_);
  return out;
}

SocketAddress SocketAddress::ipv4Loopback(uint16_t port) {
  SocketAddress out;
  auto* v4 = asV4(out.storage_);
  v4->sin_family = AF_INET;
  v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  v4->sin_port = htons(port);
  out.length_ = sizeof(sockaddr_in);
  return out;
}

void SocketAddress::pack(std::span<std::byte, kPackedBytes> out) const {
  std::memset(out.data(), 0, out.size());
  if (family() == AF_INET) {
    putBe<uint16_t>(out, 0, kPackedIpv4);
    std::memcpy(out.data() + 8, &asV4(storage_)->sin_addr, 4);
  } else if (family() == AF_INET6) {
    putBe<uint16_t>(out, 0, kPackedIpv6);
    putBe<uint32_t>(out, 4, asV6(storage_)->sin6_scope_id);
    std::memcpy(out.data() + 8, &asV6(storage_)->sin6_addr, 16);
  }
  putBe<uint16_t>(out, 2, port());
}

Expected<SocketAddress> SocketAddress::unpack(std::span<const std::byte, kPackedBytes> in) {
  const uint16_t family = getBe<uint16_t>(in, 0);
  const uint16_t port = getBe<uint16_t>(in, 2);
  if (family != kPackedIpv4 && family != kPackedIpv6)
    return Status(Code::kInvalidArgument, "address family code " + std::to_string(family) + " is neither 4 nor 6");
  if (port == 0) return Status(Code::kInvalidArgument, "address has port 0");
  SocketAddress out;
  if (family == kPackedIpv4) {
    auto* v4 = asV4(out.storage_);
    v4->sin_family = AF_INET;
    std::memcpy(&v4->sin_addr, in.data() + 8, 4);
    out.length_ = sizeof(sockaddr_in);
  } else {
    auto* v6 = asV6(out.storage_);
    v6->sin6_family = AF_INET6;
    v6->sin6_scope_id = getBe<uint32_t>(in, 4);
    std::memcpy(&v6->sin6_addr, in.data() + 8, 16);
    out.length_ = sizeof(sockaddr_in6);
  }
  out.setPort(port);
  return out;
}

uint16_t SocketAddress::port() const {
  if (family() == AF_INET) return ntohs(asV4(storage_)->sin_port);
  if (family() == AF_INET6) return ntohs(asV6(storage_)->sin6_port);
  return 0;
}

void SocketAddress::setPort(uint16_t port) {
  if (family() == AF_INET) asV4(storage_)->sin_port = htons(port);
  if (family() == AF_INET6) asV6(storage_)->sin6_port = htons(port);
}

SocketAddress SocketAddress::hostOnly() const {
  SocketAddress out = *this;
  out.setPort(0);
  if (family() == AF_INET6) asV6(out.storage_)->sin6_flowinfo = 0;
  return out;
}

SocketAddress SocketAddress::wildcard() const {
  SocketAddress out;
  out.length_ = length_;
  out.storage_.ss_family = storage_.ss_family;  // the rest zero: INADDR_ANY / in6addr_any
  out.setPort(port());
  return out;
}

std::string SocketAddress::hostString() const {
  char text[INET6_ADDRSTRLEN] = "?";
  if (family() == AF_INET) {
    inet_ntop(AF_INET, &asV4(storage_)->sin_addr, text, sizeof(text));
    return text;
  }
  if (family() == AF_INET6) {
    inet_ntop(AF_INET6, &asV6(storage_)->sin6_addr, text, sizeof(text));
    std::string out = text;
    if (asV6(storage_)->sin6_scope_id != 0) out.append("%").append(std::to_string(asV6(storage_)->sin6_scope_id));
    return out;
  }
  return "(no address)";
}

std::string SocketAddress::toString() const {
  std::string out;
  if (family() == AF_INET6) {
    out.append("[").append(hostString()).append("]");
  } else {
    out.append(hostString());
  }
  return out.append(":").append(std::to_string(port()));
}

bool SocketAddress::operator==(const SocketAddress& other) const {
  std::byte a[kPackedBytes], b[kPackedBytes];
  pack(a);
  other.pack(b);
  return std::memcmp(a, b, kPackedBytes) == 0;
}

Expected<SocketAddress> resolveHostPort(std::string_view text, std::string_view what) {
  std::string_view host, port;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return badText(what, text, "unterminated [ipv6] or missing :port");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return badText(what, text, "missing :port");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return badText(what, text, "an IPv6 address needs brackets");
  }
  if (host.empty()) return badText(what, text, "empty host");
  auto portNumber = parsePort(port);
  if (!portNumber.isOk()) return badText(what, text, portNumber.status().message());

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string hostText(host);
  if (int rc = getaddrinfo(hostText.c_str(), nullptr, &hints, &found); rc != 0 || !found)
    return badText(what, text, "cannot resolve '" + hostText + "': " + gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owner(found, &freeaddrinfo);
  auto address = SocketAddress::fromSockaddr(found->ai_addr, found->ai_addrlen);
  if (!address.isOk()) return badText(what, text, address.status().message());
  address->setPort(*portNumber);
  return address;
}

}  // namespace fccl::bootstrap
