// The collective under test: one fccl call per CollArgs, stream NULL (returns when done).
#include "fccl_backend.h"

namespace fccl::perf {

std::string fcclFailure(fcclResult_t result, fcclComm_t comm) {
  const char* last = fcclGetLastError(comm);
  return std::string(fcclGetErrorString(result)) + ": " + (last && *last ? last : "(no detail)");
}

std::string FcclRunner::unsupported(Collective c, fcclDataType_t, std::optional<fcclRedOp_t>) const {
  if (c == Collective::kAllToAll) return "fccl.h has no all-to-all yet";
  return {};
}

Outcome FcclRunner::run(const CollArgs& a) {
  fcclResult_t r = fcclSuccess;
  switch (a.coll) {
    case Collective::kAllReduce:
      r = fcclAllReduce(a.send, a.recv, a.count, a.type, a.op, comm_, nullptr);
      break;
    case Collective::kAllGather:
      r = fcclAllGather(a.send, a.recv, a.count, a.type, comm_, nullptr);
      break;
    case Collective::kReduceScatter:
      r = fcclReduceScatter(a.send, a.recv, a.count, a.type, a.op, comm_, nullptr);
      break;
    case Collective::kBroadcast:
      r = fcclBroadcast(a.send, a.recv, a.count, a.type, a.root, comm_, nullptr);
      break;
    case Collective::kReduce:
      r = fcclReduce(a.send, a.recv, a.count, a.type, a.op, a.root, comm_, nullptr);
      break;
    case Collective::kAllToAll:
      return {"fccl.h has no all-to-all yet"};
  }
  if (r != fcclSuccess) return {fcclFailure(r, comm_)};
  return {};
}

}  // namespace fccl::perf
