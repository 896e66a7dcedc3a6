// What the hierarchical plans share to run their phases one after another: the chunk count of a
// slice, and a lag (in rounds) applied to the steps a phase appended. A step moves its chunk c in
// round c + lag, so a phase lagged by the chunk counts of those before it starts once they end.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "algorithms/common/plan.h"

namespace fccl {

inline size_t chunksOf(size_t elems, size_t chunkElems) { return (elems + chunkElems - 1) / chunkElems; }

// Sets `rounds` as the lag of steps[first..].
inline void lagFrom(std::vector<Step>& steps, size_t first, size_t rounds) {
  const auto lag = static_cast<uint32_t>(std::min<size_t>(rounds, UINT32_MAX));
  for (size_t i = first; i < steps.size(); ++i) steps[i].lag = lag;
}

}  // namespace fccl
