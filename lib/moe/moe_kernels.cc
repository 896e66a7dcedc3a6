#include "moe/moe_kernels.h"

#include <cstring>
#include <vector>

#include "device/low_precision.h"

namespace fccl {
namespace {

// Loads and stores of one element type, through float.
struct F32 {
  static float load(const std::byte* p, size_t i) {
    float v;
    std::memcpy(&v, p + i * 4, 4);
    return v;
  }
  static void store(std::byte* p, size_t i, float v) { std::memcpy(p + i * 4, &v, 4); }
};
template <float (*kDecode)(uint16_t), uint16_t (*kEncode)(float)>
struct Half {
  static float load(const std::byte* p, size_t i) {
    uint16_t v;
    std::memcpy(&v, p + i * 2, 2);
    return kDecode(v);
  }
  static void store(std::byte* p, size_t i, float v) {
    const uint16_t code = kEncode(v);
    std::memcpy(p + i * 2, &code, 2);
  }
};
using Bf16 = Half<bfloat16ToFloat, floatToBfloat16>;
using Fp16 = Half<halfToFloat, floatToHalf>;

// One row's share of the sum, and the rounding of a finished row: the loops that take the time,
// compiled for baseline x86-64 and for AVX2 like the device's reduction kernels (the same
// operations either way, so the same results; sanitized builds keep the baseline only, see
// lib/device/reduce_kernels.cc).
template <class T>
inline void accumulate(float* sum, const std::byte* in, float w, size_t hidden) {
  for (size_t h = 0; h < hidden; ++h) sum[h] += w * T::load(in, h);
}
template <class T>
inline void round(const float* sum, std::byte* out, size_t hidden) {
  for (size_t h = 0; h < hidden; ++h) T::store(out, h, sum[h]);
}

#ifdef FCCL_NO_TARGET_CLONES
#define FCCL_ROW_LOOP [[gnu::noinline]]
#else
#define FCCL_ROW_LOOP [[gnu::noinline, gnu::target_clones("avx2", "default")]]
#endif

FCCL_ROW_LOOP void accumulateF32(float* s, const std::byte* in, float w, size_t n) { accumulate<F32>(s, in, w, n); }
FCCL_ROW_LOOP void accumulateBf16(float* s, const std::byte* in, float w, size_t n) { accumulate<Bf16>(s, in, w, n); }
FCCL_ROW_LOOP void accumulateFp16(float* s, const std::byte* in, float w, size_t n) { accumulate<Fp16>(s, in, w, n); }
FCCL_ROW_LOOP void roundF32(const float* s, std::byte* out, size_t n) { round<F32>(s, out, n); }
FCCL_ROW_LOOP void roundBf16(const float* s, std::byte* out, size_t n) { round<Bf16>(s, out, n); }
FCCL_ROW_LOOP void roundFp16(const float* s, std::byte* out, size_t n) { round<Fp16>(s, out, n); }

struct RowLoops {
  void (*accumulate)(float*, const std::byte*, float, size_t);
  void (*round)(const float*, std::byte*, size_t);
};

void combineWith(RowLoops loops, const std::byte* packed, const float* weights, std::span<const int64_t> sendRow,
                 size_t numTokens, size_t topk, size_t hidden, size_t rowBytes, std::byte* out) {
  std::vector<float> sum(hidden);
  for (size_t t = 0; t < numTokens; ++t) {
    std::fill(sum.begin(), sum.end(), 0.0f);
    for (size_t k = 0; k < topk; ++k) {
      const int64_t row = sendRow[t * topk + k];
      if (row < 0) continue;
      const float w = weights ? weights[t * topk + k] : 1.0f;
      loops.accumulate(sum.data(), packed + static_cast<size_t>(row) * rowBytes, w, hidden);
    }
    loops.round(sum.data(), out + t * rowBytes, hidden);
  }
}

}  // namespace

void packRows(const std::byte* tokens, size_t numTokens, size_t topk, size_t rowBytes, std::span<const int64_t> sendRow,
              std::byte* packed) {
  for (size_t t = 0; t < numTokens; ++t)
    for (size_t k = 0; k < topk; ++k)
      if (const int64_t row = sendRow[t * topk + k]; row >= 0)
        std::memcpy(packed + static_cast<size_t>(row) * rowBytes, tokens + t * rowBytes, rowBytes);
}

bool combinable(fcclDataType_t type) { return type == fcclFloat32 || type == fcclBfloat16 || type == fcclFloat16; }

Status combineRows(const std::byte* packed, const float* weights, std::span<const int64_t> sendRow, size_t numTokens,
                   size_t topk, size_t hidden, fcclDataType_t type, std::byte* out) {
  switch (type) {
    case fcclFloat32:
      combineWith({accumulateF32, roundF32}, packed, weights, sendRow, numTokens, topk, hidden, hidden * 4, out);
      break;
    case fcclBfloat16:
      combineWith({accumulateBf16, roundBf16}, packed, weights, sendRow, numTokens, topk, hidden, hidden * 2, out);
      break;
    case fcclFloat16:
      combineWith({accumulateFp16, roundFp16}, packed, weights, sendRow, numTokens, topk, hidden, hidden * 2, out);
      break;
    default: return Status(Code::kInvalidArgument, "MoE combine takes float, bfloat16 or half rows");
  }
  return Status::ok();
}

}  // namespace fccl
