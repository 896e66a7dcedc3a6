// How these loops vectorise. fccl builds with -O2, where GCC 12 vectorises only under its
// "very cheap" cost model: no runtime alias checks and no scalar epilogue. So every kernel
//   1. dispatches type and op once per call (switch outside, templates inside),
//   2. picks an aliasing case once (all distinct, dst == a, dst == b, dst == a == b) and runs a
//      function whose distinct pointers are __restrict, which is true in that case, so the
//      compiler needs no alias check. These functions are noinline: inlined into the dispatcher,
//      GCC loses the restrict guarantee and with it the vector loop. Everything they call is
//      always_inline, because one call the inliner declines inside the loop also stops it;
//   3. walks the elements in blocks of kBlock with a constant-count inner loop (no epilogue),
//      then the last count % kBlock elements one by one.
// Elements move through memcpy of one element, which GCC turns into unaligned vector loads and
// stores, so unaligned buffers are neither undefined behaviour nor slow. Low-precision types are
// decoded, combined and encoded inside the same loop; the conversions are branch-free, so they
// vectorise too. Each loop function is compiled twice (target_clones): for baseline x86-64 (SSE2)
// and for AVX2, picked once at load time by the CPU; AVX2 doubles the width and has the 32-bit
// min, blend and pack instructions SSE2 lacks, which roughly doubles the low-precision kernels.
// Both clones compute bit-identical results (same IEEE operations, no contraction in ISO C++).
// Checked with -fopt-info-vec: every op of every 8/16/32-bit type, double sum and prod, 64-bit
// integer sum, and float division vectorise. What stays scalar has no SSE2 instruction: 64-bit
// integer multiply and compare, a blend of doubles chosen by a compare (double max/min), and
// integer division.
#include "device/reduce_kernels.h"

#include <cstring>
#include <string>
#include <type_traits>

#include "common/dtype.h"
#include "device/low_precision.h"

// The loop functions: noinline (see above) and, where the build allows it, cloned for AVX2.
// A clone is chosen by an ifunc resolver that the dynamic loader runs while relocating, before any
// constructor; ThreadSanitizer's runtime is not initialised yet then and crashes in the
// instrumented resolver, so sanitized builds (FCCL_NO_TARGET_CLONES, set by CMake) keep only the
// baseline loop. Their results are the same either way (see above).
#ifdef FCCL_NO_TARGET_CLONES
#define FCCL_KERNEL_LOOP [[gnu::noinline]]
#else
#define FCCL_KERNEL_LOOP [[gnu::noinline, gnu::target_clones("avx2", "default")]]
#endif

namespace fccl {
namespace {

constexpr size_t kBlock = 256;

template <class T>
[[gnu::always_inline]] inline T load(const std::byte* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

template <class T>
[[gnu::always_inline]] inline void store(std::byte* p, T v) {
  std::memcpy(p, &v, sizeof(T));
}

// A codec says how an element is stored and in which type it is computed.
template <class T>
struct Native {
  using Storage = T;
  [[gnu::always_inline]] static T decode(T v) { return v; }
  [[gnu::always_inline]] static T encode(T v) { return v; }
};
// fp16 and fp8 through the generic conversions, bf16 through its shifts; always inlined so the
// loop that calls them vectorises (see low_precision.h).
template <class Format, class S>
struct Lowp {
  using Storage = S;
  [[gnu::always_inline]] static float decode(S v) { return lowp::decode<Format>(v); }
  [[gnu::always_inline]] static S encode(float v) { return static_cast<S>(lowp::encode<Format>(v)); }
};
using Half = Lowp<lowp::Fp16, uint16_t>;
using E4m3 = Lowp<lowp::E4m3, uint8_t>;
using E5m2 = Lowp<lowp::E5m2, uint8_t>;
struct Bf16 {
  using Storage = uint16_t;
  [[gnu::always_inline]] static float decode(uint16_t v) { return bfloat16ToFloat(v); }
  [[gnu::always_inline]] static uint16_t encode(float v) { return floatToBfloat16(v); }
};

// Integers add and multiply in their unsigned type: wrapping is defined there, and converting
// back to the signed type is modular (C++20).
struct Sum {
  template <class T>
  [[gnu::always_inline]] static T apply(T x, T y) {
    if constexpr (std::is_integral_v<T>) return T(std::make_unsigned_t<T>(x) + std::make_unsigned_t<T>(y));
    else return x + y;
  }
};
struct Prod {
  template <class T>
  [[gnu::always_inline]] static T apply(T x, T y) {
    if constexpr (std::is_integral_v<T>) return T(std::make_unsigned_t<T>(x) * std::make_unsigned_t<T>(y));
    else return x * y;
  }
};
// For floats, isNan(x) keeps a NaN in x; a NaN in y already loses the comparison and is returned.
// `|` rather than `||`: a short-circuit is a branch, and a branch stops the loop vectorising.
template <class T>
[[gnu::always_inline]] inline bool isNan(T x) {
  if constexpr (std::is_floating_point_v<T>) return x != x;
  else return false;
}
struct Max {
  template <class T>
  [[gnu::always_inline]] static T apply(T x, T y) { return ((x > y) | isNan(x)) ? x : y; }
};
struct Min {
  template <class T>
  [[gnu::always_inline]] static T apply(T x, T y) { return ((x < y) | isNan(x)) ? x : y; }
};

template <class Codec, class Op>
[[gnu::always_inline]] inline void reduceAt(std::byte* dst, const std::byte* a, const std::byte* b, size_t i) {
  using S = typename Codec::Storage;
  const auto r = Op::apply(Codec::decode(load<S>(a + i * sizeof(S))), Codec::decode(load<S>(b + i * sizeof(S))));
  store<S>(dst + i * sizeof(S), Codec::encode(r));
}

// Calls body(i) for i < n: full blocks as a constant-count loop (vectorised), then the rest.
template <class Body>
[[gnu::always_inline]] inline void forEachBlocked(size_t n, Body body) {
  size_t i = 0;
  for (; i + kBlock <= n; i += kBlock)
    for (size_t j = 0; j < kBlock; ++j) body(i + j);
  for (; i < n; ++i) body(i);
}

template <class Codec, class Op>
FCCL_KERNEL_LOOP
void reduceDistinct(std::byte* __restrict dst, const std::byte* __restrict a, const std::byte* __restrict b, size_t n) {
  forEachBlocked(n, [=](size_t i) __attribute__((always_inline)) { reduceAt<Codec, Op>(dst, a, b, i); });
}

// dst is one operand; kDstFirst says which (the ops need not be commutative for NaN payloads).
template <class Codec, class Op, bool kDstFirst>
FCCL_KERNEL_LOOP
void reduceInPlace(std::byte* __restrict dst, const std::byte* __restrict other, size_t n) {
  forEachBlocked(n, [=](size_t i) __attribute__((always_inline)) {
    if constexpr (kDstFirst) reduceAt<Codec, Op>(dst, dst, other, i);
    else reduceAt<Codec, Op>(dst, other, dst, i);
  });
}

template <class Codec, class Op>
FCCL_KERNEL_LOOP
void reduceSelf(std::byte* dst, size_t n) {
  forEachBlocked(n, [=](size_t i) __attribute__((always_inline)) { reduceAt<Codec, Op>(dst, dst, dst, i); });
}

template <class Codec, class Op>
void reduceAliased(void* dst, const void* a, const void* b, size_t n) {
  auto* d = static_cast<std::byte*>(dst);
  const auto* x = static_cast<const std::byte*>(a);
  const auto* y = static_cast<const std::byte*>(b);
  if (d == x && d == y) reduceSelf<Codec, Op>(d, n);
  else if (d == x) reduceInPlace<Codec, Op, true>(d, y, n);
  else if (d == y) reduceInPlace<Codec, Op, false>(d, x, n);
  else reduceDistinct<Codec, Op>(d, x, y, n);  // a == b is fine here: restrict only guards writes
}

template <class Codec>
void reduceOp(void* dst, const void* a, const void* b, size_t n, fcclRedOp_t op) {
  switch (op) {
    case fcclSum: return reduceAliased<Codec, Sum>(dst, a, b, n);
    case fcclProd: return reduceAliased<Codec, Prod>(dst, a, b, n);
    case fcclMax: return reduceAliased<Codec, Max>(dst, a, b, n);
    default: return reduceAliased<Codec, Min>(dst, a, b, n);  // validated by the caller
  }
}

// Division: integers in a 64-bit type of their signedness, so a divisor above INT32_MAX stays
// positive; floats in double, whose quotient rounds to float exactly as a direct division would.
template <class Codec>
[[gnu::always_inline]] inline auto quotient(typename Codec::Storage v, uint32_t divisor) {
  const auto x = Codec::decode(v);
  using C = decltype(x);
  if constexpr (std::is_integral_v<C> && std::is_signed_v<C>) return C(int64_t(x) / int64_t(divisor));
  else if constexpr (std::is_integral_v<C>) return C(uint64_t(x) / divisor);
  else return C(double(x) / double(divisor));
}

template <class Codec>
[[gnu::always_inline]] inline void divideAt(std::byte* dst, const std::byte* src, size_t i, uint32_t divisor) {
  using S = typename Codec::Storage;
  store<S>(dst + i * sizeof(S), Codec::encode(quotient<Codec>(load<S>(src + i * sizeof(S)), divisor)));
}

template <class Codec>
FCCL_KERNEL_LOOP
void divideDistinct(std::byte* __restrict dst, const std::byte* __restrict src, size_t n, uint32_t divisor) {
  forEachBlocked(n, [=](size_t i) __attribute__((always_inline)) { divideAt<Codec>(dst, src, i, divisor); });
}

template <class Codec>
FCCL_KERNEL_LOOP
void divideInPlace(std::byte* dst, size_t n, uint32_t divisor) {
  forEachBlocked(n, [=](size_t i) __attribute__((always_inline)) { divideAt<Codec>(dst, dst, i, divisor); });
}

template <class Codec>
void divideAliased(void* dst, const void* src, size_t n, uint32_t divisor) {
  auto* d = static_cast<std::byte*>(dst);
  const auto* s = static_cast<const std::byte*>(src);
  if (d == s) divideInPlace<Codec>(d, n, divisor);
  else divideDistinct<Codec>(d, s, n, divisor);
}

// Calls fn.template operator()<Codec>() with the codec of `type` (validated by the caller).
template <class Fn>
void withCodec(fcclDataType_t type, Fn&& fn) {
  switch (type) {
    case fcclInt8: return fn.template operator()<Native<int8_t>>();
    case fcclUint8: return fn.template operator()<Native<uint8_t>>();
    case fcclInt32: return fn.template operator()<Native<int32_t>>();
    case fcclUint32: return fn.template operator()<Native<uint32_t>>();
    case fcclInt64: return fn.template operator()<Native<int64_t>>();
    case fcclUint64: return fn.template operator()<Native<uint64_t>>();
    case fcclFloat16: return fn.template operator()<Half>();
    case fcclFloat32: return fn.template operator()<Native<float>>();
    case fcclFloat64: return fn.template operator()<Native<double>>();
    case fcclBfloat16: return fn.template operator()<Bf16>();
    case fcclFloat8e4m3: return fn.template operator()<E4m3>();
    default: return fn.template operator()<E5m2>();
  }
}

Status checkType(fcclDataType_t type) {
  if (validType(type)) return Status::ok();
  return Status(Code::kInvalidArgument, "invalid data type " + std::to_string(int(type)));
}

}  // namespace

Status reduceKernel(void* dst, const void* a, const void* b, size_t count, fcclDataType_t type, fcclRedOp_t op) {
  FCCL_TRY(checkType(type));
  if (op == fcclAvg)
    return Status(Code::kInvalidArgument, "fcclAvg is not a reduce op: reduce with fcclSum, then divide");
  if (!validOp(op)) return Status(Code::kInvalidArgument, "invalid reduction op " + std::to_string(int(op)));
  if (count == 0) return Status::ok();
  if (!dst || !a || !b) return Status(Code::kInvalidArgument, "null buffer for a reduction of " +
                                                                  std::to_string(count) + " elements");
  withCodec(type, [&]<class Codec>() { reduceOp<Codec>(dst, a, b, count, op); });
  return Status::ok();
}

Status divideKernel(void* dst, const void* src, size_t count, fcclDataType_t type, uint32_t divisor) {
  FCCL_TRY(checkType(type));
  if (divisor == 0) return Status(Code::kInvalidArgument, "division by zero");
  if (count == 0) return Status::ok();
  if (!dst || !src)
    return Status(Code::kInvalidArgument, "null buffer for a division of " + std::to_string(count) + " elements");
  withCodec(type, [&]<class Codec>() { divideAliased<Codec>(dst, src, count, divisor); });
  return Status::ok();
}

}  // namespace fccl
