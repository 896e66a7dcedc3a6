// Payloads of the rendezvous messages between the ranks and the root. Each decoder checks the
// exact size and every field before building anything, and names the peer in its errors.
//
//   Hello: nranks u32 | the rank's listen address (24 bytes packed)   (the rank is the sender)
//   Table: nranks u32 | nranks packed addresses, in rank order
//   Error: code u32   | UTF-8 text, at most 4096 bytes
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "bootstrap/address.h"
#include "bootstrap/wire.h"
#include "common/expected.h"

namespace fccl::bootstrap {

struct Hello {
  uint32_t rank = 0;
  uint32_t nranks = 0;
  SocketAddress listen;
};

std::vector<std::byte> encodeHello(uint32_t nranks, const SocketAddress& listen);
// Checks 1 <= nranks <= kMaxRanks, rank < nranks and the address.
Expected<Hello> decodeHello(const Message& message, const std::string& peer);

std::vector<std::byte> encodeTable(const std::vector<SocketAddress>& addresses);
// Checks that the table holds exactly `nranks` valid addresses.
Expected<std::vector<SocketAddress>> decodeTable(std::span<const std::byte> payload, uint32_t nranks,
                                                 const std::string& peer);

// The root's explanation of a failed rendezvous (text cut to 4096 bytes).
std::vector<std::byte> encodeError(Code code, std::string_view text);
// The Status the root sent: its code (kRemote when unknown) and text, prefixed with `peer`.
Status decodeError(std::span<const std::byte> payload, const std::string& peer);

}  // namespace fccl::bootstrap
