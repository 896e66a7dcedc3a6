#include "bootstrap/messages.h"

#include <cstring>

#include "bootstrap/bytes.h"

namespace fccl::bootstrap {
namespace {

constexpr size_t kAddressBytes = SocketAddress::kPackedBytes;
constexpr size_t kMaxErrorText = 4096;

Status malformed(const std::string& peer, const std::string& what, const std::string& why) {
  return Status(Code::kRemote, "malformed " + what + " from " + peer + ": " + why);
}

}  // namespace

std::vector<std::byte> encodeHello(uint32_t nranks, const SocketAddress& listen) {
  std::vector<std::byte> out(4 + kAddressBytes);
  putBe<uint32_t>(out, 0, nranks);
  listen.pack(std::span(out).subspan<4, kAddressBytes>());
  return out;
}

Expected<Hello> decodeHello(const Message& message, const std::string& peer) {
  const auto& payload = message.payload;
  if (message.header.type != MsgType::kHello || payload.size() != 4 + kAddressBytes)
    return malformed(peer, "hello",
                     "type " + std::to_string(static_cast<int>(message.header.type)) + ", " +
                         std::to_string(payload.size()) + " bytes");
  Hello hello;
  hello.rank = message.header.sender;
  hello.nranks = getBe<uint32_t>(payload, 0);
  if (hello.nranks == 0 || hello.nranks > kMaxRanks)
    return malformed(peer, "hello",
                     "nranks " + std::to_string(hello.nranks) + " outside 1.." + std::to_string(kMaxRanks));
  if (hello.rank >= hello.nranks)
    return malformed(peer, "hello",
                     "rank " + std::to_string(hello.rank) + " >= nranks " + std::to_string(hello.nranks));
  auto listen = SocketAddress::unpack(std::span(payload).subspan<4, kAddressBytes>());
  if (!listen.isOk()) return malformed(peer, "hello", listen.status().message());
  hello.listen = *listen;
  return hello;
}

std::vector<std::byte> encodeTable(const std::vector<SocketAddress>& addresses) {
  std::vector<std::byte> out(4 + addresses.size() * kAddressBytes);
  putBe<uint32_t>(out, 0, static_cast<uint32_t>(addresses.size()));
  for (size_t i = 0; i < addresses.size(); ++i)
    addresses[i].pack(std::span(out).subspan(4 + i * kAddressBytes).first<kAddressBytes>());
  return out;
}

Expected<std::vector<SocketAddress>> decodeTable(std::span<const std::byte> payload, uint32_t nranks,
                                                 const std::string& peer) {
  if (payload.size() != 4 + uint64_t{nranks} * kAddressBytes || getBe<uint32_t>(payload, 0) != nranks)
    return malformed(peer, "address table",
                     std::to_string(payload.size()) + " bytes for " + std::to_string(nranks) + " ranks");
  std::vector<SocketAddress> out;
  out.reserve(nranks);
  for (uint32_t r = 0; r < nranks; ++r) {
    auto address = SocketAddress::unpack(payload.subspan(4 + r * kAddressBytes).first<kAddressBytes>());
    if (!address.isOk())
      return malformed(peer, "address table", "rank " + std::to_string(r) + ": " + address.status().message());
    out.push_back(*address);
  }
  return out;
}

std::vector<std::byte> encodeError(Code code, std::string_view text) {
  text = text.substr(0, kMaxErrorText);
  std::vector<std::byte> out(4 + text.size());
  putBe<uint32_t>(out, 0, static_cast<uint32_t>(code));
  std::memcpy(out.data() + 4, text.data(), text.size());
  return out;
}

Status decodeError(std::span<const std::byte> payload, const std::string& peer) {
  if (payload.size() < 4 || payload.size() > 4 + kMaxErrorText)
    return malformed(peer, "error report", std::to_string(payload.size()) + " bytes");
  const uint32_t raw = getBe<uint32_t>(payload, 0);
  // Only codes that describe a failed rendezvous are taken over; anything else is kRemote.
  Code code = Code::kRemote;
  if (raw == static_cast<uint32_t>(Code::kTimeout)) code = Code::kTimeout;
  std::string text(reinterpret_cast<const char*>(payload.data()) + 4, payload.size() - 4);
  return Status(code, peer + ": " + text);
}

}  // namespace fccl::bootstrap
