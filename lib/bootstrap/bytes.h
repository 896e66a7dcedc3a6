// Fixed-width big-endian integers in byte buffers. Everything the bootstrap puts on the wire or
// into the unique id goes through these, so ranks on hosts of either byte order agree, and no
// packed struct is ever cast over bytes that came from a peer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace fccl::bootstrap {

template <class T>
void putBe(std::span<std::byte> out, size_t offset, T value) {
  for (size_t i = 0; i < sizeof(T); ++i)
    out[offset + i] = static_cast<std::byte>((value >> (8 * (sizeof(T) - 1 - i))) & 0xff);
}

template <class T>
T getBe(std::span<const std::byte> in, size_t offset) {
  T value = 0;
  for (size_t i = 0; i < sizeof(T); ++i) value = static_cast<T>((value << 8) | static_cast<T>(in[offset + i]));
  return value;
}

}  // namespace fccl::bootstrap
