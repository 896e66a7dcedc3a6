// The control plane through fccl itself, for launches without MPI. fccl has no barrier call: an
// all-reduce of one element is one, since no rank can finish it before every rank has joined.
#include "fccl_backend.h"

namespace fccl::perf {
namespace {

Outcome check(fcclResult_t r, fcclComm_t comm) {
  if (r == fcclSuccess) return {};
  return {fcclFailure(r, comm)};
}

}  // namespace

Outcome FcclControl::barrier() {
  int32_t token = 1;
  return check(fcclAllReduce(&token, &token, 1, fcclInt32, fcclSum, comm_, nullptr), comm_);
}

Outcome FcclControl::sumInt64(int64_t& value) {
  return check(fcclAllReduce(&value, &value, 1, fcclInt64, fcclSum, comm_, nullptr), comm_);
}

Outcome FcclControl::combine(double& value, Combine how) {
  const fcclRedOp_t op = how == Combine::kSum ? fcclSum : how == Combine::kMin ? fcclMin : fcclMax;
  return check(fcclAllReduce(&value, &value, 1, fcclFloat64, op, comm_, nullptr), comm_);
}

Outcome FcclControl::gatherRanks(const RankRecord& mine, std::vector<RankRecord>& all) {
  all.resize(static_cast<size_t>(nranks_));
  return check(fcclAllGather(&mine, all.data(), sizeof(RankRecord), fcclUint8, comm_, nullptr), comm_);
}

}  // namespace fccl::perf
