// Balanced splitting of element ranges: part i of `parts` gets total/parts elements, and the
// first total%parts parts one more. Every rank computes the same split from the same numbers,
// which is what lets a receiver know how much its peer sends without being told.
#pragma once

#include <cstddef>

namespace fccl {

struct Range {
  size_t offset = 0;
  size_t count = 0;
};

inline Range partOf(size_t total, int parts, int i) {
  const size_t p = static_cast<size_t>(parts), k = static_cast<size_t>(i);
  const size_t base = total / p, extra = total % p;
  return {k * base + (k < extra ? k : extra), base + (k < extra ? 1 : 0)};
}

}  // namespace fccl
