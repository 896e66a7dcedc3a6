#include "device/streaming_copy.h"

#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace fccl {

void nonTemporalCopy(void* dst, const void* src, size_t bytes) {
#if defined(__SSE2__)
  if (bytes >= 64) {
    auto* to = static_cast<std::byte*>(dst);
    const auto* from = static_cast<const std::byte*>(src);
    // Non-temporal stores need a 16-byte aligned destination; the source may be anywhere.
    const size_t head = (16 - (reinterpret_cast<uintptr_t>(to) & 15)) & 15;
    std::memcpy(to, from, head);
    to += head;
    from += head;
    bytes -= head;
    const size_t lines = bytes & ~size_t{63};
    for (size_t i = 0; i < lines; i += 64) {
      const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(from + i));
      const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(from + i + 16));
      const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(from + i + 32));
      const __m128i d = _mm_loadu_si128(reinterpret_cast<const __m128i*>(from + i + 48));
      _mm_stream_si128(reinterpret_cast<__m128i*>(to + i), a);
      _mm_stream_si128(reinterpret_cast<__m128i*>(to + i + 16), b);
      _mm_stream_si128(reinterpret_cast<__m128i*>(to + i + 32), c);
      _mm_stream_si128(reinterpret_cast<__m128i*>(to + i + 48), d);
    }
    std::memcpy(to + lines, from + lines, bytes - lines);
    return;
  }
#endif
  std::memcpy(dst, src, bytes);
}

void streamingCopy(void* dst, const void* src, size_t bytes) {
  if (bytes >= kStreamingMinBytes)
    nonTemporalCopy(dst, src, bytes);
  else
    std::memcpy(dst, src, bytes);
}

void streamingFence() {
#if defined(__SSE2__)
  _mm_sfence();
#endif
}

}  // namespace fccl
