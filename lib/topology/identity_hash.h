// The hash behind host, domain and kernel identities: FNV-1a, stable across processes and
// builds (std::hash is not required to be), so every rank computes the same value.
#pragma once

#include <cstdint>
#include <string_view>

namespace fccl {

inline uint64_t identityHash(std::string_view text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char ch : text) h = (h ^ ch) * 1099511628211ull;
  return h;
}

}  // namespace fccl
