#include "api/check_args.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "common/dtype.h"

namespace fccl::api {
namespace {

constexpr size_t kMaxSize = std::numeric_limits<size_t>::max();

struct Extent {
  uintptr_t begin;
  size_t bytes;
  bool overlaps(const Extent& o) const { return begin < o.begin + o.bytes && o.begin < begin + bytes; }
};

// Element counts of the input and output buffers of one call (their ends, for all-to-allv).
std::pair<size_t, size_t> bufferCounts(const CollectiveCall& c, int nranks) {
  const size_t n = static_cast<size_t>(nranks);
  switch (c.collective) {
    case Collective::kAllReduce:
    case Collective::kBroadcast:
    case Collective::kReduce: return {c.count, c.count};
    case Collective::kAllGather: return {c.count, c.count * n};
    case Collective::kReduceScatter: return {c.count * n, c.count};
    case Collective::kAllToAll: return {c.count * n, c.count * n};
    case Collective::kAllToAllv: {
      size_t in = 0, out = 0;
      for (size_t i = 0; i < n; ++i) {
        if (c.layout->sendCounts[i] > 0) in = std::max(in, c.layout->sendDispls[i] + c.layout->sendCounts[i]);
        if (c.layout->recvCounts[i] > 0) out = std::max(out, c.layout->recvDispls[i] + c.layout->recvCounts[i]);
      }
      return {in, out};
    }
  }
  return {0, 0};
}

// The only overlap allowed: exact in-place, as fccl.h defines it per collective.
bool allowedOverlap(const CollectiveCall& c, int rank, Extent in, Extent out, size_t elem) {
  const size_t shift = static_cast<size_t>(rank) * c.count * elem;
  switch (c.collective) {
    case Collective::kAllReduce:
    case Collective::kBroadcast:
    case Collective::kReduce:
    case Collective::kAllToAll: return in.begin == out.begin;
    case Collective::kAllToAllv:
      return in.begin == out.begin && c.layout->sendCounts == c.layout->recvCounts &&
             c.layout->sendDispls == c.layout->recvDispls;
    case Collective::kAllGather: return in.begin == out.begin + shift;
    case Collective::kReduceScatter: return out.begin == in.begin + shift;
  }
  return false;
}

Status checkType(fcclDataType_t type) {
  if (!validType(type))
    return Status(Code::kInvalidArgument, "datatype " + std::to_string(static_cast<int>(type)) + " is not an fcclDataType_t");
  return Status::ok();
}

Status checkExtent(const void* ptr, size_t bytes) {
  if (reinterpret_cast<uintptr_t>(ptr) > std::numeric_limits<uintptr_t>::max() - bytes)
    return Status(Code::kInvalidArgument, "buffer extends past the end of the address space");
  return Status::ok();
}

}  // namespace

Status checkCall(const CollectiveCall& call, const Communicator& comm) {
  FCCL_TRY(checkType(call.type));
  if (!validOp(call.op))
    return Status(Code::kInvalidArgument, "op " + std::to_string(static_cast<int>(call.op)) + " is not an fcclRedOp_t");
  // Multiplications that check for overflow, not divisions: this runs on every call.
  const size_t elem = typeSize(call.type);
  size_t bytes = 0, inBytes = 0, outBytes = 0;
  if (__builtin_mul_overflow(call.count, elem * static_cast<size_t>(comm.nranks()) * 2, &bytes))
    return Status(Code::kInvalidArgument, "count " + std::to_string(call.count) + " overflows the buffer size");
  const auto [inCount, outCount] = bufferCounts(call, comm.nranks());
  if (__builtin_mul_overflow(inCount, elem, &inBytes) || __builtin_mul_overflow(outCount, elem, &outBytes))
    return Status(Code::kInvalidArgument, "counts and displacements overflow the buffer size");
  const bool rooted = call.collective == Collective::kBroadcast || call.collective == Collective::kReduce;
  if (rooted && (call.root < 0 || call.root >= comm.nranks()))
    return Status(Code::kInvalidArgument, "root is " + std::to_string(call.root) + ", must be in [0, " +
                                              std::to_string(comm.nranks()) + ")");
  // As in NCCL, only the root reads sendbuff of a broadcast and writes recvbuff of a reduce.
  const bool readsInput = inCount > 0 && (call.collective != Collective::kBroadcast || call.root == comm.rank());
  const bool writesOutput = outCount > 0 && (call.collective != Collective::kReduce || call.root == comm.rank());
  if (readsInput && !call.input) return Status(Code::kInvalidArgument, "sendbuff is NULL");
  if (writesOutput && !call.output) return Status(Code::kInvalidArgument, "recvbuff is NULL");
  if (!readsInput || !writesOutput) return Status::ok();  // nothing read or written: NULL is fine
  FCCL_TRY(checkExtent(call.input, inBytes));
  FCCL_TRY(checkExtent(call.output, outBytes));
  const Extent in{reinterpret_cast<uintptr_t>(call.input), inBytes};
  const Extent out{reinterpret_cast<uintptr_t>(call.output), outBytes};
  if (in.overlaps(out) && !allowedOverlap(call, comm.rank(), in, out, elem))
    return Status(Code::kInvalidArgument, "sendbuff and recvbuff overlap, but not in the in-place layout of " +
                                              std::string(collectiveName(call.collective)));
  return Status::ok();
}

Status checkPointToPoint(const PointToPointCall& call, const Communicator& comm) {
  FCCL_TRY(checkType(call.type));
  if (call.peer < 0 || call.peer >= comm.nranks())
    return Status(Code::kInvalidArgument, "peer is " + std::to_string(call.peer) + ", must be in [0, " +
                                              std::to_string(comm.nranks()) + ")");
  const size_t elem = typeSize(call.type);
  if (call.count > kMaxSize / elem / 2)
    return Status(Code::kInvalidArgument, "count " + std::to_string(call.count) + " overflows the buffer size");
  if (call.count == 0) return Status::ok();
  if (!call.buffer) return Status(Code::kInvalidArgument, call.send ? "sendbuff is NULL" : "recvbuff is NULL");
  return checkExtent(call.buffer, call.count * elem);
}

Expected<std::shared_ptr<const AllToAllvLayout>> readLayout(const size_t* sendcounts, const size_t* sdispls,
                                                             const size_t* recvcounts, const size_t* rdispls,
                                                             int nranks) {
  if (!sendcounts || !sdispls || !recvcounts || !rdispls)
    return Status(Code::kInvalidArgument, std::string(!sendcounts ? "sendcounts" : !sdispls ? "sdispls"
                                                      : !recvcounts ? "recvcounts" : "rdispls") + " is NULL");
  const size_t n = static_cast<size_t>(nranks);
  auto layout = std::make_shared<AllToAllvLayout>();
  layout->sendCounts.assign(sendcounts, sendcounts + n);
  layout->sendDispls.assign(sdispls, sdispls + n);
  layout->recvCounts.assign(recvcounts, recvcounts + n);
  layout->recvDispls.assign(rdispls, rdispls + n);
  std::vector<std::pair<size_t, size_t>> received;  // [begin, end) per peer, to find overlaps
  for (size_t i = 0; i < n; ++i) {
    if (layout->sendCounts[i] > kMaxSize / 16 || layout->sendDispls[i] > kMaxSize / 16 ||
        layout->recvCounts[i] > kMaxSize / 16 || layout->recvDispls[i] > kMaxSize / 16)
      return Status(Code::kInvalidArgument, "count or displacement for rank " + std::to_string(i) +
                                                " overflows the buffer size");
    if (layout->recvCounts[i] > 0)
      received.emplace_back(layout->recvDispls[i], layout->recvDispls[i] + layout->recvCounts[i]);
  }
  std::sort(received.begin(), received.end());
  for (size_t i = 1; i < received.size(); ++i)
    if (received[i].first < received[i - 1].second)
      return Status(Code::kInvalidArgument, "recvcounts/rdispls make two receive blocks overlap (at element " +
                                                std::to_string(received[i].first) + ")");
  return std::shared_ptr<const AllToAllvLayout>(std::move(layout));
}

}  // namespace fccl::api
