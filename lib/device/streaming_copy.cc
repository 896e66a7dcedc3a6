#include "device/streaming_copy.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

namespace fccl {
namespace {

// "32768K" -> 33554432; 0 when the file is missing or says something else.
size_t sharedCacheBytes(const char* path) {
  std::FILE* f = std::fopen(path, "r");
  if (!f) return 0;
  unsigned long long value = 0;
  char unit = 0;
  const int read = std::fscanf(f, "%llu%c", &value, &unit);
  std::fclose(f);
  if (read < 1) return 0;
  if (read == 2 && (unit == 'K' || unit == 'k')) value <<= 10;
  else if (read == 2 && (unit == 'M' || unit == 'm')) value <<= 20;
  return static_cast<size_t>(value);
}

size_t defaultStreamingMinBytes() {
  if (const char* v = std::getenv("FCCL_NT_MIN_BYTES")) {
    char* end = nullptr;
    const unsigned long long bytes = std::strtoull(v, &end, 10);
    if (end != v && *end == '\0' && bytes > 0) return static_cast<size_t>(bytes);
  }
  // The last-level cache this core shares (sysfs), not the whole package's: on a part with one
  // L3 per core complex, sysconf adds them all up (256 MiB where a core sees 32).
  size_t llc = sharedCacheBytes("/sys/devices/system/cpu/cpu0/cache/index3/size");
#ifdef _SC_LEVEL3_CACHE_SIZE
  if (llc == 0)
    if (const long l3 = sysconf(_SC_LEVEL3_CACHE_SIZE); l3 > 0) llc = static_cast<size_t>(l3);
#endif
  if (llc == 0) llc = size_t{32} << 20;
  return std::max(llc / 4, size_t{1} << 20);
}

std::atomic<size_t>& streamingMin() {
  static std::atomic<size_t> bytes{defaultStreamingMinBytes()};
  return bytes;
}

}  // namespace

size_t streamingMinBytes() { return streamingMin().load(std::memory_order_relaxed); }
void setStreamingMinBytes(size_t bytes) { streamingMin().store(bytes, std::memory_order_relaxed); }

namespace {

#if defined(__SSE2__)
// Whole 64-byte lines from `from` to a 32-byte aligned `to`, around the caches.
void streamLinesSse(std::byte* to, const std::byte* from, size_t bytes) {
  for (size_t i = 0; i < bytes; i += 64) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(from + i));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(from + i + 16));
    const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(from + i + 32));
    const __m128i d = _mm_loadu_si128(reinterpret_cast<const __m128i*>(from + i + 48));
    _mm_stream_si128(reinterpret_cast<__m128i*>(to + i), a);
    _mm_stream_si128(reinterpret_cast<__m128i*>(to + i + 16), b);
    _mm_stream_si128(reinterpret_cast<__m128i*>(to + i + 32), c);
    _mm_stream_si128(reinterpret_cast<__m128i*>(to + i + 48), d);
  }
}
#endif

#if defined(__x86_64__) && !defined(FCCL_NO_TARGET_CLONES)
// The same with 32-byte stores: half the store instructions, and each fills half a
// write-combining buffer at once.
[[gnu::target("avx2")]] void streamLinesAvx2(std::byte* to, const std::byte* from, size_t bytes) {
  for (size_t i = 0; i < bytes; i += 64) {
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(from + i));
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(from + i + 32));
    _mm256_stream_si256(reinterpret_cast<__m256i*>(to + i), a);
    _mm256_stream_si256(reinterpret_cast<__m256i*>(to + i + 32), b);
  }
}

bool hasAvx2() {
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
}
#endif

}  // namespace

void nonTemporalCopy(void* dst, const void* src, size_t bytes) {
#if defined(__SSE2__)
  if (bytes >= 128) {
    auto* to = static_cast<std::byte*>(dst);
    const auto* from = static_cast<const std::byte*>(src);
    // Non-temporal stores need an aligned destination (32 bytes covers both widths); the
    // source may be anywhere.
    const size_t head = (32 - (reinterpret_cast<uintptr_t>(to) & 31)) & 31;
    std::memcpy(to, from, head);
    to += head;
    from += head;
    bytes -= head;
    const size_t lines = bytes & ~size_t{63};
#if defined(__x86_64__) && !defined(FCCL_NO_TARGET_CLONES)
    if (hasAvx2())
      streamLinesAvx2(to, from, lines);
    else
      streamLinesSse(to, from, lines);
#else
    streamLinesSse(to, from, lines);
#endif
    std::memcpy(to + lines, from + lines, bytes - lines);
    return;
  }
#endif
  std::memcpy(dst, src, bytes);
}

void streamingFence() {
#if defined(__SSE2__)
  _mm_sfence();
#endif
}

}  // namespace fccl
