// How the bytes of one hop travel on the scale-up fabric. The tuner picks one per call; both
// ends of every hop of the call use it (they make the same choice from the same inputs).
//  - LL (low latency): every 8 bytes of data travel with their flag in one 16-byte line, which
//    the receiver polls; no separate counter to fence and read. Half the line is flag, so it
//    moves half the bandwidth: for small messages.
//  - Simple: chunks in a FIFO of slots behind head/tail counters (release/acquire); for
//    bandwidth.
// Hops over the scale-out net always run Simple: the net delivers whole messages.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace fccl {

enum class Proto : uint8_t { kLL = 0, kSimple = 1 };
constexpr int kNumProtos = 2;

constexpr std::string_view protoName(Proto p) { return p == Proto::kLL ? "LL" : "Simple"; }
// "LL" or "Simple", any case; nullopt otherwise.
std::optional<Proto> parseProto(std::string_view name);

}  // namespace fccl
