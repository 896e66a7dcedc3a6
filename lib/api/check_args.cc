#include "api/check_args.h"

#include <cstdint>
#include <limits>
#include <string>

#include "common/dtype.h"

namespace fccl::api {
namespace {

struct Extent {
  uintptr_t begin;
  size_t bytes;
};

// Element counts of the input and output buffers of one call.
void bufferCounts(const CollectiveCall& c, int nranks, size_t* in, size_t* out) {
  const size_t n = static_cast<size_t>(nranks);
  switch (c.collective) {
    case Collective::kAllReduce:
    case Collective::kBroadcast:
    case Collective::kReduce: *in = c.count; *out = c.count; return;
    case Collective::kAllGather: *in = c.count; *out = c.count * n; return;
    case Collective::kReduceScatter: *in = c.count * n; *out = c.count; return;
  }
}

// The only overlap allowed: exact in-place, as fccl.h defines it per collective.
bool allowedOverlap(const CollectiveCall& c, int rank, Extent in, Extent out, size_t elem) {
  const size_t shift = static_cast<size_t>(rank) * c.count * elem;
  switch (c.collective) {
    case Collective::kAllReduce:
    case Collective::kBroadcast:
    case Collective::kReduce: return in.begin == out.begin;
    case Collective::kAllGather: return in.begin == out.begin + shift;
    case Collective::kReduceScatter: return out.begin == in.begin + shift;
  }
  return false;
}

}  // namespace

Status checkCall(const CollectiveCall& call, const Communicator& comm, fcclStream_t stream) {
  if (!validType(call.type))
    return Status(Code::kInvalidArgument, "datatype " + std::to_string(static_cast<int>(call.type)) + " is not an fcclDataType_t");
  if (!validOp(call.op))
    return Status(Code::kInvalidArgument, "op " + std::to_string(static_cast<int>(call.op)) + " is not an fcclRedOp_t");
  if (stream != nullptr)
    return Status(Code::kInvalidUsage, "stream must be NULL: this version runs every call to completion before it returns");
  const size_t elem = typeSize(call.type);
  const size_t maxElems = std::numeric_limits<size_t>::max() / elem / static_cast<size_t>(comm.nranks()) / 2;
  if (call.count > maxElems)
    return Status(Code::kInvalidArgument, "count " + std::to_string(call.count) + " overflows the buffer size");
  size_t inCount = 0, outCount = 0;
  bufferCounts(call, comm.nranks(), &inCount, &outCount);
  const bool rooted = call.collective == Collective::kBroadcast || call.collective == Collective::kReduce;
  if (rooted && (call.root < 0 || call.root >= comm.nranks()))
    return Status(Code::kInvalidArgument, "root is " + std::to_string(call.root) + ", must be in [0, " +
                                              std::to_string(comm.nranks()) + ")");
  if (call.count == 0) return Status::ok();  // nothing is read or written: NULL buffers are fine
  // As in NCCL, only the root reads sendbuff of a broadcast and writes recvbuff of a reduce.
  const bool readsInput = call.collective != Collective::kBroadcast || call.root == comm.rank();
  const bool writesOutput = call.collective != Collective::kReduce || call.root == comm.rank();
  if (readsInput && !call.input) return Status(Code::kInvalidArgument, "sendbuff is NULL");
  if (writesOutput && !call.output) return Status(Code::kInvalidArgument, "recvbuff is NULL");
  if (!readsInput || !writesOutput) return Status::ok();
  const Extent in{reinterpret_cast<uintptr_t>(call.input), inCount * elem};
  const Extent out{reinterpret_cast<uintptr_t>(call.output), outCount * elem};
  if (in.begin > std::numeric_limits<uintptr_t>::max() - in.bytes || out.begin > std::numeric_limits<uintptr_t>::max() - out.bytes)
    return Status(Code::kInvalidArgument, "buffer extends past the end of the address space");
  const bool overlap = in.begin < out.begin + out.bytes && out.begin < in.begin + in.bytes;
  if (overlap && !allowedOverlap(call, comm.rank(), in, out, elem))
    return Status(Code::kInvalidArgument, "sendbuff and recvbuff overlap, but not in the in-place layout of " +
                                              std::string(collectiveName(call.collective)));
  return Status::ok();
}

}  // namespace fccl::api
