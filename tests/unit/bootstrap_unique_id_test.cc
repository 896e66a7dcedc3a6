#include <catch2/catch.hpp>
#include <cstring>

#include "bootstrap/unique_id.h"

using fccl::Code;
using fccl::decodeUniqueId;
using fccl::encodeUniqueId;
using fccl::UniqueIdData;
using fccl::bootstrap::resolveHostPort;

namespace {

UniqueIdData sampleId(const char* root) {
  UniqueIdData data;
  auto address = resolveHostPort(root, "test");
  REQUIRE(address.isOk());
  data.root = *address;
  for (size_t i = 0; i < data.secret.size(); ++i) data.secret[i] = static_cast<std::byte>(0xa0 + i);
  return data;
}

// Offsets inside the id: magic 0, version 4, address 8 (family 8-9, port 10-11), secret 32.
fcclUniqueId corrupt(fcclUniqueId id, size_t offset, unsigned char value) {
  id.internal[offset] = static_cast<char>(value);
  return id;
}

}  // namespace

TEST_CASE("a unique id survives encoding and decoding, for IPv4 and IPv6 roots", "[unit][bootstrap]") {
  for (const char* root : {"192.0.2.2:41000", "[fd00::2]:5"}) {
    const UniqueIdData data = sampleId(root);
    fcclUniqueId id;
    std::memset(&id, 0x55, sizeof(id));  // every byte is written, none left from before
    encodeUniqueId(data, &id);
    auto back = decodeUniqueId(id);
    REQUIRE(back.isOk());
    CHECK(back->root.toString() == root);
    CHECK(back->secret == data.secret);
  }
}

TEST_CASE("a corrupted unique id is refused: bad magic, version, family or port 0", "[unit][bootstrap]") {
  fcclUniqueId id;
  encodeUniqueId(sampleId("192.0.2.2:41000"), &id);
  REQUIRE(decodeUniqueId(id).isOk());

  auto refused = [](const fcclUniqueId& bad) {
    auto data = decodeUniqueId(bad);
    REQUIRE_FALSE(data.isOk());
    CHECK(data.status().code() == Code::kInvalidArgument);
    return data.status().message();
  };
  CHECK_THAT(refused(corrupt(id, 0, 'X')), Catch::Contains("magic"));
  CHECK_THAT(refused(corrupt(id, 5, 9)), Catch::Contains("version 9"));
  CHECK_THAT(refused(corrupt(id, 9, 5)), Catch::Contains("family"));
  CHECK_THAT(refused(corrupt(corrupt(id, 10, 0), 11, 0)), Catch::Contains("port 0"));
  fcclUniqueId zeros;
  std::memset(&zeros, 0, sizeof(zeros));
  refused(zeros);
}

TEST_CASE("createUniqueId makes a decodable id with a listening root and a fresh secret", "[unit][bootstrap]") {
  fcclUniqueId first, second;
  REQUIRE(fccl::createUniqueId(&first, 1000).isOk());
  REQUIRE(fccl::createUniqueId(&second, 1000).isOk());
  auto a = decodeUniqueId(first);
  auto b = decodeUniqueId(second);
  REQUIRE(a.isOk());
  REQUIRE(b.isOk());
  CHECK(a->root.port() != 0);
  CHECK(a->root.port() != b->root.port());
  CHECK(a->secret != b->secret);
  CHECK(fccl::createUniqueId(nullptr, 1000).code() == Code::kInvalidArgument);
  CHECK(fccl::createUniqueId(&first, 0).code() == Code::kInvalidArgument);
}
