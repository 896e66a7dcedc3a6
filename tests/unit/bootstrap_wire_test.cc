#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <thread>

#include "bootstrap/auth.h"
#include "bootstrap/inbound.h"
#include "bootstrap/messages.h"
#include "bootstrap/wire.h"

using fccl::Code;
using fccl::Status;
using namespace fccl::bootstrap;

namespace {

Header dataHeader(uint32_t sender, uint32_t tag, uint64_t length) {
  return Header{MsgType::kData, sender, tag, length};
}

std::string failure(std::span<const std::byte> bytes, uint32_t nranks = 4) {
  auto header = parseHeader(bytes, nranks, "rank 9 (192.0.2.9:1234)");
  if (header.isOk()) return "accepted";
  CHECK(header.status().code() == Code::kRemote);
  CHECK_THAT(header.status().message(), Catch::Contains("192.0.2.9:1234"));
  return header.status().message();
}

}  // namespace

TEST_CASE("a wire header survives encoding and parsing", "[unit][bootstrap]") {
  const auto bytes = encodeHeader(dataHeader(3, 0xabcdef, 12345));
  auto header = parseHeader(bytes, 4, "peer");
  REQUIRE(header.isOk());
  CHECK(header->type == MsgType::kData);
  CHECK(header->sender == 3);
  CHECK(header->tag == 0xabcdef);
  CHECK(header->length == 12345);
}

TEST_CASE("wire header parsing rejects short, oversized, foreign and out-of-range headers", "[unit][bootstrap]") {
  auto good = encodeHeader(dataHeader(1, 7, 100));
  CHECK(failure(std::span(good).first(kHeaderBytes - 1)) != "accepted");
  CHECK_THAT(failure({}), Catch::Contains("0 bytes"));

  auto magic = good;
  magic[0] = std::byte{'X'};
  CHECK_THAT(failure(magic), Catch::Contains("magic"));

  auto version = good;
  version[5] = std::byte{2};
  CHECK_THAT(failure(version), Catch::Contains("version 2"));

  for (uint8_t type : {0, 6, 255}) {
    auto unknown = good;
    unknown[7] = std::byte{type};
    CHECK_THAT(failure(unknown), Catch::Contains("unknown message type"));
  }

  CHECK_THAT(failure(encodeHeader(dataHeader(4, 7, 100))), Catch::Contains("sender rank 4 out of range"));
  CHECK_THAT(failure(encodeHeader(dataHeader(0xffffffff, 7, 100))), Catch::Contains("out of range"));
  // The root's message types must come from the root, and the root's sender id is no rank.
  CHECK(failure(encodeHeader({MsgType::kTable, 0, 0, 28})) != "accepted");
  CHECK(failure(encodeHeader({MsgType::kTable, kRootSender, 0, 28})) == "accepted");

  CHECK(failure(encodeHeader(dataHeader(1, 7, kMaxPayloadBytes))) == "accepted");
  CHECK_THAT(failure(encodeHeader(dataHeader(1, 7, kMaxPayloadBytes + 1))), Catch::Contains("exceeds the limit"));
  CHECK_THAT(failure(encodeHeader(dataHeader(1, 7, ~uint64_t{0}))), Catch::Contains("exceeds the limit"));
  CHECK_THAT(failure(encodeHeader({MsgType::kHello, 1, 0, 29})), Catch::Contains("exceeds the limit"));
}

TEST_CASE("hello, table and error payloads round-trip and reject bad contents", "[unit][bootstrap]") {
  auto listen = resolveHostPort("192.0.2.5:4242", "test");
  REQUIRE(listen.isOk());
  Message hello{{MsgType::kHello, 2, 0, 0}, encodeHello(3, *listen)};
  auto decoded = decodeHello(hello, "peer");
  REQUIRE(decoded.isOk());
  CHECK(decoded->rank == 2);
  CHECK(decoded->nranks == 3);
  CHECK(decoded->listen == *listen);

  Message outOfRange{{MsgType::kHello, 3, 0, 0}, encodeHello(3, *listen)};
  CHECK(decodeHello(outOfRange, "peer").status().code() == Code::kRemote);
  Message noRanks{{MsgType::kHello, 0, 0, 0}, encodeHello(0, *listen)};
  CHECK_FALSE(decodeHello(noRanks, "peer").isOk());
  Message shortHello{{MsgType::kHello, 0, 0, 0}, std::vector<std::byte>(10)};
  CHECK_FALSE(decodeHello(shortHello, "peer").isOk());

  const std::vector<SocketAddress> addresses(3, *listen);
  const auto table = encodeTable(addresses);
  REQUIRE(decodeTable(table, 3, "root").isOk());
  CHECK_FALSE(decodeTable(table, 2, "root").isOk());
  CHECK_FALSE(decodeTable(std::span(table).first(table.size() - 1), 3, "root").isOk());

  const Status timedOut = decodeError(encodeError(Code::kTimeout, "rank 2 never arrived"), "root X");
  CHECK(timedOut.code() == Code::kTimeout);
  CHECK(timedOut.message() == "root X: rank 2 never arrived");
  CHECK(decodeError(encodeError(Code::kInternal, "odd"), "root X").code() == Code::kRemote);
  CHECK_FALSE(decodeError(std::vector<std::byte>(2), "root X").isOk());
}

namespace {

// An InboundConn on one end of a socket pair, authenticated by a connector on the other.
struct Pair {
  Secret secret{};
  int connector = -1;
  std::optional<InboundConn> conn;

  explicit Pair(uint32_t nranks = 4) {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0);
    connector = fds[1];
    auto peer = resolveHostPort("192.0.2.1:999", "test");
    auto begun = InboundConn::begin(fccl::UniqueFd(fds[0]), *peer, secret, nranks, MsgType::kData);
    REQUIRE(begun.isOk());
    conn.emplace(std::move(begun).take());
    std::thread acceptor([&] {
      // The acceptor half runs in InboundConn; feed it until it has checked the proof.
      std::vector<Message> out;
      bool closed = false;
      while (!conn->authenticated()) {
        pollfd p{conn->fd(), POLLIN, 0};
        ::poll(&p, 1, 100);
        if (!conn->onReadable(out, &closed).isOk()) return;
      }
    });
    const Status s = authenticateAsConnector(connector, secret, IoWait(5000, nullptr), "acceptor");
    acceptor.join();
    REQUIRE(s.isOk());
  }
  ~Pair() { ::close(connector); }

  void write(std::span<const std::byte> bytes) {
    REQUIRE(sendAll(connector, std::vector<std::span<const std::byte>>{bytes}, IoWait(5000, nullptr)).isOk());
  }
  // Feeds the connection until it reports something or has nothing more to read.
  Status drain(std::vector<Message>& out, bool* closed) {
    Status s;
    for (int i = 0; i < 100 && s.isOk() && !*closed; ++i) s = conn->onReadable(out, closed);
    return s;
  }
};

}  // namespace

TEST_CASE("an inbound connection reassembles messages that arrive a byte at a time", "[unit][bootstrap]") {
  Pair pair;
  std::vector<std::byte> stream;
  for (uint32_t tag : {5u, 6u}) {
    const auto head = encodeHeader(dataHeader(2, tag, tag == 5 ? 3 : 0));
    stream.insert(stream.end(), head.begin(), head.end());
    if (tag == 5) stream.insert(stream.end(), {std::byte{1}, std::byte{2}, std::byte{3}});
  }
  std::vector<Message> out;
  bool closed = false;
  for (std::byte b : stream) {
    pair.write(std::span(&b, 1));
    REQUIRE(pair.drain(out, &closed).isOk());
  }
  REQUIRE(out.size() == 2);
  CHECK(out[0].header.tag == 5);
  CHECK(out[0].payload == std::vector<std::byte>{std::byte{1}, std::byte{2}, std::byte{3}});
  CHECK(out[1].header.tag == 6);
  CHECK(out[1].payload.empty());
  CHECK(pair.conn->peerRank() == 2);
  CHECK_FALSE(closed);
  ::shutdown(pair.connector, SHUT_WR);
  REQUIRE(pair.drain(out, &closed).isOk());
  CHECK(closed);
}

TEST_CASE("an inbound connection refuses a malformed header, a changed sender and a truncated message",
          "[unit][bootstrap]") {
  bool closed = false;
  std::vector<Message> out;
  {
    Pair pair;
    auto bad = encodeHeader(dataHeader(1, 0, 0));
    bad[0] = std::byte{0};
    pair.write(bad);
    CHECK_THAT(pair.drain(out, &closed).message(), Catch::Contains("bad magic"));
  }
  {
    Pair pair;
    pair.write(encodeHeader(dataHeader(1, 0, 0)));
    pair.write(encodeHeader(dataHeader(2, 0, 0)));
    CHECK_THAT(pair.drain(out, &closed).message(), Catch::Contains("sent a message as rank 2"));
  }
  {
    Pair pair;
    pair.write(encodeHeader(dataHeader(1, 0, 10)));
    pair.write(std::vector<std::byte>(4));
    ::shutdown(pair.connector, SHUT_WR);
    const Status s = pair.drain(out, &closed);
    CHECK(s.code() == Code::kRemote);
    CHECK_THAT(s.message(), Catch::Contains("rank 1 (192.0.2.1:999) closed the connection in the middle of a message"));
  }
  {
    Pair pair(2);
    pair.write(encodeHeader(dataHeader(2, 0, 0)));
    CHECK_THAT(pair.drain(out, &closed).message(), Catch::Contains("out of range"));
  }
}
