#include "bootstrap/wire.h"

#include <cstdio>

#include "bootstrap/address.h"
#include "bootstrap/bytes.h"

namespace fccl::bootstrap {
namespace {

bool knownType(uint16_t type) { return type >= 1 && type <= 5; }

std::string hex32(uint32_t value) {
  char text[16];
  std::snprintf(text, sizeof(text), "0x%08x", value);
  return text;
}

Status malformed(std::string_view peer, const std::string& why) {
  return Status(Code::kRemote, "malformed message from " + std::string(peer) + ": " + why);
}

}  // namespace

uint64_t maxPayload(MsgType type) {
  switch (type) {
    case MsgType::kHello:
      return 4 + SocketAddress::kPackedBytes;
    case MsgType::kTable:
      return 4 + uint64_t{kMaxRanks} * SocketAddress::kPackedBytes;
    case MsgType::kError:
      return 4 + 4096;
    case MsgType::kData:
      return kMaxPayloadBytes;
    case MsgType::kAlarm:
      return kMaxAlarmPayloadBytes;
  }
  return 0;
}

std::array<std::byte, kHeaderBytes> encodeHeader(const Header& header) {
  std::array<std::byte, kHeaderBytes> out{};
  putBe<uint32_t>(out, 0, kWireMagic);
  putBe<uint16_t>(out, 4, kWireVersion);
  putBe<uint16_t>(out, 6, static_cast<uint16_t>(header.type));
  putBe<uint32_t>(out, 8, header.sender);
  putBe<uint32_t>(out, 12, header.tag);
  putBe<uint64_t>(out, 16, header.length);
  return out;
}

Expected<Header> parseHeader(std::span<const std::byte> bytes, uint32_t nranks, std::string_view peer) {
  if (bytes.size() < kHeaderBytes)
    return malformed(peer,
                     "header of " + std::to_string(bytes.size()) + " bytes, expected " + std::to_string(kHeaderBytes));
  if (uint32_t magic = getBe<uint32_t>(bytes, 0); magic != kWireMagic)
    return malformed(peer, "bad magic " + hex32(magic));
  if (uint16_t version = getBe<uint16_t>(bytes, 4); version != kWireVersion)
    return malformed(peer, "wire version " + std::to_string(version) + ", expected " + std::to_string(kWireVersion));
  const uint16_t type = getBe<uint16_t>(bytes, 6);
  if (!knownType(type)) return malformed(peer, "unknown message type " + std::to_string(type));
  Header header;
  header.type = static_cast<MsgType>(type);
  header.sender = getBe<uint32_t>(bytes, 8);
  header.tag = getBe<uint32_t>(bytes, 12);
  header.length = getBe<uint64_t>(bytes, 16);
  const bool fromRoot = header.type == MsgType::kTable || header.type == MsgType::kError;
  if (fromRoot ? header.sender != kRootSender : header.sender >= nranks)
    return malformed(peer, "sender rank " + std::to_string(header.sender) + " out of range for " +
                               std::to_string(nranks) + " ranks");
  if (header.length > maxPayload(header.type))
    return malformed(peer, "payload of " + std::to_string(header.length) + " bytes exceeds the limit of " +
                               std::to_string(maxPayload(header.type)) + " for message type " + std::to_string(type));
  return header;
}

Status sendMessage(int fd, const Header& header, std::span<const std::byte> payload, const IoWait& io) {
  const auto head = encodeHeader(header);
  const std::span<const std::byte> parts[] = {head, payload};
  return sendAll(fd, parts, io);
}

Expected<Message> recvMessage(int fd, uint32_t nranks, const std::string& peer, const IoWait& io) {
  std::array<std::byte, kHeaderBytes> head{};
  FCCL_TRY(recvAll(fd, head, io));
  Message message;
  FCCL_ASSIGN_OR_RETURN(message.header, parseHeader(head, nranks, peer));
  message.payload.resize(message.header.length);
  FCCL_TRY(recvAll(fd, message.payload, io));
  return message;
}

}  // namespace fccl::bootstrap
