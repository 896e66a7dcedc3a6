// The scale-up connectors, Simple and LL, against one contract (transports/transport.h): chunks
// arrive whole and in order, whatever their size; a full FIFO refuses a slot until the
// receiver releases one; what a peer writes is checked before it is trusted (a handle that
// lies, a chunk larger than its slot). Both ends live in this process: it maps its own segment
// through /proc/self, as a peer would.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstring>
#include <numeric>
#include <vector>

#include "transports/scaleup/ll_fifo.h"
#include "transports/scaleup/shared_mapping.h"
#include "transports/scaleup/shm_fifo.h"
#include "transports/scaleup/shm_transport.h"

namespace fccl::test {
namespace {

struct Pair {
  std::unique_ptr<RecvConnector> recv;
  std::unique_ptr<SendConnector> send;
  std::vector<std::byte> handle;
};

Pair connectPair(const ShmOptions& options) {
  ShmTransport transport(options);
  Pair p;
  auto recv = transport.listen({1, getpid()}, p.handle);
  REQUIRE(recv.isOk());
  auto send = transport.connect({0, getpid()}, p.handle);
  REQUIRE(send.isOk());
  p.recv = std::move(recv).take();
  p.send = std::move(send).take();
  return p;
}

std::vector<std::byte> pattern(size_t bytes, int seed) {
  std::vector<std::byte> v(bytes);
  for (size_t i = 0; i < bytes; ++i) v[i] = static_cast<std::byte>((i * 131 + static_cast<size_t>(seed) * 7) & 0xff);
  return v;
}

}  // namespace

TEST_CASE("scale-up connectors deliver chunks of any size whole and in order", "[unit][transport]") {
  const bool ll = GENERATE(false, true);
  const ShmOptions options{4, 4096, ll};
  Pair p = connectPair(options);
  CHECK(p.send->name() == (ll ? "shm/LL" : "shm"));
  CHECK(p.send->slotBytes() == 4096);
  const size_t sizes[] = {0, 1, 3, 4, 7, 8, 9, 15, 16, 17, 100, 4095, 4096, 1, 2048, 13};
  int seed = 0;
  for (size_t bytes : sizes) {
    INFO("LL " << ll << " chunk of " << bytes << " bytes");
    const auto data = pattern(bytes, ++seed);
    auto slot = p.send->acquire();
    REQUIRE(slot.size() == 4096);
    if (bytes > 0) std::memcpy(slot.data(), data.data(), bytes);
    p.send->commit(bytes);
    auto got = p.recv->peek();
    REQUIRE(got.has_value());
    REQUIRE(got->size() == bytes);
    if (bytes > 0) CHECK(std::memcmp(got->data(), data.data(), bytes) == 0);
    auto again = p.recv->peek();  // peeking again gives the same chunk until it is released
    REQUIRE(again.has_value());
    CHECK(again->size() == bytes);
    p.recv->release();
    CHECK_FALSE(p.recv->peek().has_value());
  }
  CHECK(p.send->bytesCommitted() == std::accumulate(std::begin(sizes), std::end(sizes), size_t{0}));
  CHECK(p.recv->health().isOk());
  CHECK(p.send->health().isOk());
}

TEST_CASE("a full scale-up FIFO gives no slot until the receiver releases one", "[unit][transport]") {
  const bool ll = GENERATE(false, true);
  Pair p = connectPair({3, 1024, ll});
  for (int i = 0; i < 3; ++i) {
    auto slot = p.send->acquire();
    REQUIRE_FALSE(slot.empty());
    std::memset(slot.data(), i + 1, 8);
    p.send->commit(8);
  }
  CHECK(p.send->acquire().empty());
  for (int i = 0; i < 3; ++i) {
    auto got = p.recv->peek();
    REQUIRE(got.has_value());
    CHECK(static_cast<int>((*got)[0]) == i + 1);
    p.recv->release();
    REQUIRE_FALSE(p.send->acquire().empty());  // the released slot is free again
  }
}

TEST_CASE("an LL chunk is not seen until every line of it has arrived", "[unit][transport][ll]") {
  Pair p = connectPair({2, 256, true});
  // Write chunk 0 of 24 bytes by hand, line by line, as a slow sender would.
  ShmHandle h{};
  std::memcpy(&h, p.handle.data(), sizeof h);
  // The receiver's segment is this process's: map it again to write as the sender does.
  auto writer = SharedMapping::open(getpid(), h.fd, h.segmentBytes);
  REQUIRE(writer.isOk());
  auto* words = reinterpret_cast<uint64_t*>(static_cast<std::byte*>(writer->data()) + sizeof(LlHeader));
  const uint32_t flag = llFlag(0);
  words[0] = llWord(24, flag);
  words[1] = llWord(0, flag);
  CHECK_FALSE(p.recv->peek().has_value());
  for (int line = 1; line <= 3; ++line) {
    words[2 * line] = llWord(static_cast<uint32_t>(line), flag);
    CHECK_FALSE(p.recv->peek().has_value());  // half a line is not a line
    words[2 * line + 1] = llWord(static_cast<uint32_t>(100 + line), flag);
    if (line < 3) CHECK_FALSE(p.recv->peek().has_value());
  }
  auto got = p.recv->peek();
  REQUIRE(got.has_value());
  REQUIRE(got->size() == 24);
  uint32_t values[6];
  std::memcpy(values, got->data(), sizeof values);
  CHECK(values[0] == 1);
  CHECK(values[1] == 101);
  CHECK(values[5] == 103);
}

TEST_CASE("a scale-up chunk larger than its slot is corruption, reported by health", "[unit][transport]") {
  const bool ll = GENERATE(false, true);
  Pair p = connectPair({2, 256, ll});
  ShmHandle h{};
  std::memcpy(&h, p.handle.data(), sizeof h);
  auto writer = SharedMapping::open(getpid(), h.fd, h.segmentBytes);
  REQUIRE(writer.isOk());
  if (ll) {
    auto* words = reinterpret_cast<uint64_t*>(static_cast<std::byte*>(writer->data()) + sizeof(LlHeader));
    words[0] = llWord(1 << 20, llFlag(0));
    words[1] = llWord(0, llFlag(0));
  } else {
    auto* header = static_cast<FifoHeader*>(writer->data());
    header->chunkBytes[0] = 1 << 20;
    header->tail.store(1);
  }
  CHECK_FALSE(p.recv->peek().has_value());
  const Status health = p.recv->health();
  CHECK(health.code() == Code::kRemote);
  CHECK_THAT(health.message(), Catch::Contains("exceeds the 256-byte slot"));
}

TEST_CASE("a scale-up handle that lies is refused before anything is mapped", "[unit][transport]") {
  const bool ll = GENERATE(false, true);
  ShmTransport transport({2, 1024, ll});
  std::vector<std::byte> handle;
  auto recv = transport.listen({1, getpid()}, handle);
  REQUIRE(recv.isOk());
  ShmHandle h{};
  std::memcpy(&h, handle.data(), sizeof h);
  auto tryWith = [&](ShmHandle bad) {
    std::vector<std::byte> bytes(sizeof bad);
    std::memcpy(bytes.data(), &bad, sizeof bad);
    return transport.connect({0, getpid()}, bytes);
  };
  ShmHandle other = h;
  other.slots = 1000;
  CHECK(tryWith(other).status().code() == Code::kRemote);
  other = h;
  other.segmentBytes += 64;
  CHECK(tryWith(other).status().code() == Code::kRemote);
  other = h;
  other.token ^= 1;
  CHECK_THAT(tryWith(other).status().message(), Catch::Contains("does not match its handle"));
  other = h;
  other.pid = getpid() + 1;
  CHECK_THAT(tryWith(other).status().message(), Catch::Contains("names pid"));
  // A Simple handle is no LL handle, and the other way round.
  ShmTransport otherKind({2, 1024, !ll});
  CHECK_THAT(otherKind.connect({0, getpid()}, handle).status().message(), Catch::Contains("bad magic"));
  CHECK(transport.connect({0, getpid()}, std::span(handle).first(8)).status().code() == Code::kRemote);
}

}  // namespace fccl::test
