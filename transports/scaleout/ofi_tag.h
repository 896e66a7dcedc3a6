// The 64-bit libfabric tag of every message the ofi net sends. Matching never depends on the
// order the provider delivers in: each message names its connection, its user tag and its
// sequence number within that tag, and each receive is posted for exactly one such triple.
//
//   63..62 kind    data, connect or ctrl
//   61..40 id      the connection id, unique among the live connections of the receiving endpoint
//   39..24 tag     the caller's tag (<= FCCL_NET_MAX_TAG)
//   23..0  seq     the message's number within (id, tag), modulo 2^24
//
// A sequence number wraps after 16M messages of one tag; only the messages posted but not yet
// matched need distinct numbers, and flow control keeps those to a handful.
#pragma once

#include <cstdint>

namespace fccl {

enum class TagKind : uint64_t { kData = 0, kConnect = 1, kCtrl = 2 };

constexpr uint32_t kMaxConnId = (1u << 22) - 1;
constexpr uint32_t kSeqMask = (1u << 24) - 1;
// Ignore bits that make a receive match any user tag and sequence of one connection.
constexpr uint64_t kAnyTagAndSeq = (uint64_t{1} << 40) - 1;

constexpr uint64_t makeTag(TagKind kind, uint32_t id, uint32_t tag, uint32_t seq) {
  return (static_cast<uint64_t>(kind) << 62) | (static_cast<uint64_t>(id & kMaxConnId) << 40) |
         (static_cast<uint64_t>(tag & 0xffffu) << 24) | (seq & kSeqMask);
}

}  // namespace fccl
