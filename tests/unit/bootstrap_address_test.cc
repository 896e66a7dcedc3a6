#include <arpa/inet.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstring>

#include "bootstrap/address.h"
#include "bootstrap/interface.h"

using fccl::Code;
using fccl::bootstrap::chooseListenAddress;
using fccl::bootstrap::InterfaceAddress;
using fccl::bootstrap::resolveHostPort;
using fccl::bootstrap::SocketAddress;

namespace {

SocketAddress numeric(const char* text) {
  auto address = resolveHostPort(text, "test");
  REQUIRE(address.isOk());
  return address->hostOnly();
}

}  // namespace

TEST_CASE("host:port text resolves for IPv4, bracketed IPv6 and host names", "[unit][bootstrap]") {
  auto v4 = resolveHostPort("192.0.2.7:4000", "FCCL_COMM_ID");
  REQUIRE(v4.isOk());
  CHECK(v4->family() == AF_INET);
  CHECK(v4->toString() == "192.0.2.7:4000");

  auto v6 = resolveHostPort("[::1]:65535", "FCCL_COMM_ID");
  REQUIRE(v6.isOk());
  CHECK(v6->family() == AF_INET6);
  CHECK(v6->toString() == "[::1]:65535");

  auto name = resolveHostPort("localhost:1234", "FCCL_COMM_ID");
  REQUIRE(name.isOk());
  CHECK(name->port() == 1234);
}

TEST_CASE("malformed host:port text is an invalid argument naming its source", "[unit][bootstrap]") {
  for (const char* text :
       {"", "hostonly", "host:", ":5000", "host:0", "host:65536", "host:12a", "::1:5000", "[::1:5000", "[::1]5000"}) {
    INFO(text);
    auto address = resolveHostPort(text, "FCCL_COMM_ID");
    REQUIRE_FALSE(address.isOk());
    CHECK(address.status().code() == Code::kInvalidArgument);
    CHECK_THAT(address.status().message(), Catch::Contains("FCCL_COMM_ID="));
  }
}

TEST_CASE("an address survives packing and unpacking, and a bad packed address is refused", "[unit][bootstrap]") {
  for (const char* text : {"10.1.2.3:77", "[fd00::2]:5000"}) {
    auto address = resolveHostPort(text, "test");
    REQUIRE(address.isOk());
    std::array<std::byte, SocketAddress::kPackedBytes> packed{};
    address->pack(packed);
    auto back = SocketAddress::unpack(packed);
    REQUIRE(back.isOk());
    CHECK(back->toString() == text);
    CHECK(*back == *address);

    auto badFamily = packed;
    badFamily[1] = std::byte{5};
    CHECK_FALSE(SocketAddress::unpack(badFamily).isOk());
    auto portZero = packed;
    portZero[2] = portZero[3] = std::byte{0};
    CHECK_FALSE(SocketAddress::unpack(portZero).isOk());
  }
}

TEST_CASE("the listen address follows FCCL_SOCKET_IFNAME, else the first up non-loopback IPv4", "[unit][bootstrap]") {
  const std::vector<InterfaceAddress> interfaces = {
      {"lo", numeric("127.0.0.1:1"), true, true},    {"docker0", numeric("172.17.0.1:1"), false, false},
      {"eth0", numeric("[fe80::1]:1"), true, false}, {"eth0", numeric("[fd00::2]:1"), true, false},
      {"eth0", numeric("192.0.2.2:1"), true, false}, {"ib0", numeric("[fd00::9]:1"), true, false},
  };
  auto pick = [&](std::optional<std::string> spec) {
    auto address = chooseListenAddress(interfaces, spec);
    REQUIRE(address.isOk());
    return address->hostString();
  };
  CHECK(pick(std::nullopt) == "192.0.2.2");
  CHECK(pick("eth") == "192.0.2.2");
  CHECK(pick("=eth0") == "192.0.2.2");
  CHECK(pick("ib") == "fd00::9");
  CHECK(pick("lo") == "127.0.0.1");
  CHECK(pick("^eth,lo") == "fd00::9");

  auto none = chooseListenAddress(interfaces, std::string("=eth"));
  REQUIRE_FALSE(none.isOk());
  CHECK(none.status().code() == Code::kInvalidArgument);
  CHECK_THAT(none.status().message(), Catch::Contains("FCCL_SOCKET_IFNAME==eth") && Catch::Contains("docker0 (down)"));

  auto fallback = chooseListenAddress({interfaces[0], interfaces[1]}, std::nullopt);
  REQUIRE(fallback.isOk());
  CHECK(fallback->hostString() == "127.0.0.1");
}
