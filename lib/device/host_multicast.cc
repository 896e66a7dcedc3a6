#include "device/host_multicast.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

#include "common/dtype.h"
#include "device/reduce_kernels.h"
#include "device/streaming_copy.h"

namespace fccl {
namespace {

// A block of dst and the block of the source being folded in stay in L1 together.
constexpr size_t kBlockBytes = 8 * 1024;
// A block of a large store's source stays in L2 while it goes to every destination.
constexpr size_t kStoreBlockBytes = 64 * 1024;
// Destinations whose aliasing with a source a fused reduce-and-store tracks.
constexpr size_t kTrackedDestinations = 64;

// Every source given, and the type one the kernels know.
Status checkSources(const char* call, const void* const* srcs, int nsrcs, fcclDataType_t type) {
  if (nsrcs < 1 || !srcs) return Status(Code::kInvalidArgument, std::string(call) + " of " + std::to_string(nsrcs) + " sources");
  for (int k = 0; k < nsrcs; ++k)
    if (!srcs[k]) return Status(Code::kInvalidArgument, std::string(call) + ": source " + std::to_string(k) + " is NULL");
  if (typeSize(type) == 0) return Status(Code::kInvalidArgument, std::string(call) + ": unknown dtype " + std::to_string(type));
  return Status::ok();
}

// One block of the reduction over every source into `made`, which may alias sources[first].
Status reduceBlock(std::byte* made, const void* const* srcs, int nsrcs, int first, size_t offset, size_t n,
                   fcclDataType_t type, fcclRedOp_t op) {
  auto source = [&](int k) { return static_cast<const std::byte*>(srcs[k]) + offset; };
  if (nsrcs == 1) {
    if (made != source(0)) std::memcpy(made, source(0), n * typeSize(type));
    return Status::ok();
  }
  const int second = first == 0 ? 1 : 0;
  FCCL_TRY(reduceKernel(made, source(first), source(second), n, type, op));
  for (int k = 0; k < nsrcs; ++k)
    if (k != first && k != second) FCCL_TRY(reduceKernel(made, made, source(k), n, type, op));
  return Status::ok();
}

}  // namespace

Status multicastReduceKernel(void* dst, const void* const* srcs, int nsrcs, size_t count, fcclDataType_t type,
                             fcclRedOp_t op) {
  if (count == 0) return Status::ok();
  if (!dst) return Status(Code::kInvalidArgument, "multicastReduce into a NULL buffer");
  FCCL_TRY(checkSources("multicastReduce", srcs, nsrcs, type));
  const size_t elem = typeSize(type);
  // dst may be one of the sources: that one goes first, so it is read before dst is written.
  int first = 0;
  for (int k = 0; k < nsrcs; ++k)
    if (srcs[k] == dst) first = k;
  const size_t blockElems = std::max<size_t>(kBlockBytes / elem, 1);
  auto* out = static_cast<std::byte*>(dst);
  // A large result goes out with non-temporal stores: each block is made in a scratch block
  // that stays in L1, then streamed to dst, which is never read into the cache.
  const bool streaming = count * elem >= streamingMinBytes();
  alignas(64) std::byte scratch[kBlockBytes];
  for (size_t at = 0; at < count; at += blockElems) {
    const size_t n = std::min(blockElems, count - at), offset = at * elem;
    std::byte* made = streaming ? scratch : out + offset;
    FCCL_TRY(reduceBlock(made, srcs, nsrcs, streaming ? 0 : first, offset, n, type, op));
    if (streaming) nonTemporalCopy(out + offset, scratch, n * elem);
  }
  if (streaming) streamingFence();
  return Status::ok();
}

Status multicastReduceStoreKernel(void* const* dsts, int ndsts, const void* const* srcs, int nsrcs, size_t count,
                                  fcclDataType_t type, fcclRedOp_t op) {
  if (count == 0) return Status::ok();
  if (ndsts < 1 || !dsts)
    return Status(Code::kInvalidArgument, "multicastReduceStore to " + std::to_string(ndsts) + " destinations");
  for (int k = 0; k < ndsts; ++k)
    if (!dsts[k])
      return Status(Code::kInvalidArgument, "multicastReduceStore: destination " + std::to_string(k) + " is NULL");
  FCCL_TRY(checkSources("multicastReduceStore", srcs, nsrcs, type));
  // Each block is made in L1 from every source, then written to every destination: a source is
  // read once, a destination written once and never read. Every source's block is read before
  // any destination's is written, so a destination may alias a source exactly.
  const size_t elem = typeSize(type), blockElems = std::max<size_t>(kBlockBytes / elem, 1);
  const bool streaming = count * elem >= streamingMinBytes();
  alignas(64) std::byte scratch[kBlockBytes];
  std::array<bool, kTrackedDestinations> inPlace{};  // beyond them: taken as not in place
  for (int k = 0; k < ndsts && k < static_cast<int>(inPlace.size()); ++k)
    inPlace[static_cast<size_t>(k)] = std::find(srcs, srcs + nsrcs, static_cast<const void*>(dsts[k])) != srcs + nsrcs;
  for (size_t at = 0; at < count; at += blockElems) {
    const size_t n = std::min(blockElems, count - at), offset = at * elem;
    FCCL_TRY(reduceBlock(scratch, srcs, nsrcs, 0, offset, n, type, op));
    for (int k = 0; k < ndsts; ++k) {
      std::byte* to = static_cast<std::byte*>(dsts[k]) + offset;
      // In place the destination block was just read as a source: it is in cache, where a
      // plain store lands; a non-temporal one would push it out only to write it anyway.
      const bool cached = static_cast<size_t>(k) < inPlace.size() && inPlace[static_cast<size_t>(k)];
      if (streaming && !cached)
        nonTemporalCopy(to, scratch, n * elem);
      else
        std::memcpy(to, scratch, n * elem);
    }
  }
  if (streaming) streamingFence();
  return Status::ok();
}

Status multicastStoreKernel(void* const* dsts, int ndsts, const void* src, size_t bytes) {
  if (bytes == 0) return Status::ok();
  if (ndsts < 1 || !dsts || !src)
    return Status(Code::kInvalidArgument, "multicastStore of " + std::to_string(bytes) + " bytes to " +
                                              std::to_string(ndsts) + " destinations" + (src ? "" : " from NULL"));
  for (int k = 0; k < ndsts; ++k)
    if (!dsts[k]) return Status(Code::kInvalidArgument, "multicastStore: destination " + std::to_string(k) + " is NULL");
  if (bytes < streamingMinBytes()) {
    for (int k = 0; k < ndsts; ++k)
      if (dsts[k] != src) std::memcpy(dsts[k], src, bytes);
    return Status::ok();
  }
  // Large: block by block, so src comes from memory once and not once per destination, and
  // with non-temporal stores.
  const auto* from = static_cast<const std::byte*>(src);
  for (size_t at = 0; at < bytes; at += kStoreBlockBytes) {
    const size_t n = std::min(kStoreBlockBytes, bytes - at);
    for (int k = 0; k < ndsts; ++k)
      if (dsts[k] != src) nonTemporalCopy(static_cast<std::byte*>(dsts[k]) + at, from + at, n);
  }
  streamingFence();
  return Status::ok();
}

}  // namespace fccl
