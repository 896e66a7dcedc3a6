// An IPv4 or IPv6 socket address, and its packed 24-byte form carried in the unique id and in
// the root's address table. The packed form fixes the byte order and uses fccl's own family
// codes (4, 6) rather than AF_* values, so it means the same on every host.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/expected.h"

namespace fccl::bootstrap {

class SocketAddress {
 public:
  static constexpr size_t kPackedBytes = 24;  // family u16, port u16, scope u32, address 16 bytes

  SocketAddress() = default;
  // Copies an AF_INET or AF_INET6 address; anything else is kInvalidArgument.
  static Expected<SocketAddress> fromSockaddr(const sockaddr* sa, socklen_t length);
  static SocketAddress ipv4Loopback(uint16_t port);
  // Checks family and port (0 is refused: nobody can connect to it) before building one.
  static Expected<SocketAddress> unpack(std::span<const std::byte, kPackedBytes> in);
  void pack(std::span<std::byte, kPackedBytes> out) const;

  bool empty() const { return length_ == 0; }
  int family() const { return storage_.ss_family; }
  uint16_t port() const;
  void setPort(uint16_t port);
  // The same host with port 0 and no flow info: what a listening socket binds to.
  SocketAddress hostOnly() const;
  // The wildcard address of this family (0.0.0.0 or ::) with this port.
  SocketAddress wildcard() const;
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage_); }
  socklen_t length() const { return length_; }

  std::string hostString() const;  // "192.0.2.2", "fd00::2", "fe80::1%2"
  std::string toString() const;    // "192.0.2.2:5000", "[fd00::2]:5000"
  bool operator==(const SocketAddress& other) const;

 private:
  sockaddr_storage storage_{};
  socklen_t length_ = 0;
};

// Resolves "host:port" where host is a name, an IPv4 address or a bracketed IPv6 address
// ("[fd00::2]:5000"). `what` names the source of the text in errors (e.g. "FCCL_COMM_ID").
Expected<SocketAddress> resolveHostPort(std::string_view text, std::string_view what);

}  // namespace fccl::bootstrap
