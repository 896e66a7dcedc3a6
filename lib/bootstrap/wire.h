// Framing of every bootstrap message after authentication: a fixed 24-byte header, then
// `length` payload bytes.
//
//   magic u32 | version u16 | type u16 | sender u32 | tag u32 | length u64      (big-endian)
//
// A header is checked completely (magic, version, known type, sender in range, length within
// that type's limit) before a single payload byte is read or any memory is set aside for it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bootstrap/socket.h"
#include "common/expected.h"

namespace fccl::bootstrap {

constexpr uint32_t kWireMagic = 0x4643424d;  // "FCBM"
constexpr uint16_t kWireVersion = 1;
constexpr size_t kHeaderBytes = 24;
constexpr uint64_t kMaxPayloadBytes = uint64_t{64} << 20;
constexpr uint32_t kMaxRanks = uint32_t{1} << 20;
constexpr uint64_t kMaxAlarmPayloadBytes = 16 + 4096;  // fixed fields and a text
constexpr uint32_t kRootSender = 0xffffffffu;  // the sender of the root's messages

enum class MsgType : uint16_t {
  kHello = 1,  // rank -> root: nranks and the rank's listen address
  kTable = 2,  // root -> rank: every rank's listen address
  kError = 3,  // root -> rank: why the rendezvous failed
  kData = 4,   // rank -> rank: Bootstrap::send
  kAlarm = 5,  // rank -> rank, on the alarm line: a failure, a dump request or a wait report
};

struct Header {
  MsgType type = MsgType::kData;
  uint32_t sender = 0;
  uint32_t tag = 0;
  uint64_t length = 0;
};

struct Message {
  Header header;
  std::vector<std::byte> payload;
};

std::array<std::byte, kHeaderBytes> encodeHeader(const Header& header);

// Parses and checks a header received from `peer` (named in every error) in a job of `nranks`
// ranks: kRemote for anything malformed (short, wrong magic or version, unknown type, sender
// out of range, payload over its type's limit).
Expected<Header> parseHeader(std::span<const std::byte> bytes, uint32_t nranks, std::string_view peer);

// The largest payload a message of `type` may carry.
uint64_t maxPayload(MsgType type);

// Sends header + payload as one message within io.
Status sendMessage(int fd, const Header& header, std::span<const std::byte> payload, const IoWait& io);
// Receives one whole message within io, checked by parseHeader.
Expected<Message> recvMessage(int fd, uint32_t nranks, const std::string& peer, const IoWait& io);

}  // namespace fccl::bootstrap
