// C entry points of the collectives and of send/recv: check, then submit (into the open group
// or straight to the communicator).
#include "api/check_args.h"
#include "api/group.h"
#include "api/guard.h"

using fccl::Collective;
using fccl::CollectiveCall;
using fccl::PointToPointCall;
using fccl::Status;
namespace api = fccl::api;

namespace {

template <typename Call, typename Check>
fcclResult_t submitChecked(const char* function, const Call& call, fcclComm_t comm, fcclStream_t stream, Check check) {
  return api::guard(function, [&]() -> Status {
    return api::failingGroup([&]() -> Status {
      FCCL_ASSIGN_OR_RETURN(auto* c, api::asComm(comm));
      FCCL_TRY(check(call, *c));
      return api::submit(*c, stream, call);
    }());
  });
}

fcclResult_t runCollective(const char* function, const CollectiveCall& call, fcclComm_t comm, fcclStream_t stream) {
  return submitChecked(function, call, comm, stream, api::checkCall);
}

}  // namespace

extern "C" {

fcclResult_t fcclAllReduce(const void* sendbuff, void* recvbuff, size_t count, fcclDataType_t datatype,
                           fcclRedOp_t op, fcclComm_t comm, fcclStream_t stream) {
  return runCollective("fcclAllReduce", {Collective::kAllReduce, sendbuff, recvbuff, count, datatype, op}, comm,
                       stream);
}

fcclResult_t fcclAllGather(const void* sendbuff, void* recvbuff, size_t sendcount, fcclDataType_t datatype,
                           fcclComm_t comm, fcclStream_t stream) {
  return runCollective("fcclAllGather", {Collective::kAllGather, sendbuff, recvbuff, sendcount, datatype, fcclSum},
                       comm, stream);
}

fcclResult_t fcclReduceScatter(const void* sendbuff, void* recvbuff, size_t recvcount, fcclDataType_t datatype,
                               fcclRedOp_t op, fcclComm_t comm, fcclStream_t stream) {
  return runCollective("fcclReduceScatter", {Collective::kReduceScatter, sendbuff, recvbuff, recvcount, datatype, op},
                       comm, stream);
}

fcclResult_t fcclBroadcast(const void* sendbuff, void* recvbuff, size_t count, fcclDataType_t datatype, int root,
                           fcclComm_t comm, fcclStream_t stream) {
  return runCollective("fcclBroadcast", {Collective::kBroadcast, sendbuff, recvbuff, count, datatype, fcclSum, root},
                       comm, stream);
}

fcclResult_t fcclBcast(void* buff, size_t count, fcclDataType_t datatype, int root, fcclComm_t comm,
                       fcclStream_t stream) {
  return runCollective("fcclBcast", {Collective::kBroadcast, buff, buff, count, datatype, fcclSum, root}, comm, stream);
}

fcclResult_t fcclReduce(const void* sendbuff, void* recvbuff, size_t count, fcclDataType_t datatype, fcclRedOp_t op,
                        int root, fcclComm_t comm, fcclStream_t stream) {
  return runCollective("fcclReduce", {Collective::kReduce, sendbuff, recvbuff, count, datatype, op, root}, comm,
                       stream);
}

fcclResult_t fcclAllToAll(const void* sendbuff, void* recvbuff, size_t count, fcclDataType_t datatype,
                          fcclComm_t comm, fcclStream_t stream) {
  return runCollective("fcclAllToAll", {Collective::kAllToAll, sendbuff, recvbuff, count, datatype, fcclSum}, comm,
                       stream);
}

fcclResult_t fcclAllToAllv(const void* sendbuff, const size_t sendcounts[], const size_t sdispls[], void* recvbuff,
                           const size_t recvcounts[], const size_t rdispls[], fcclDataType_t datatype,
                           fcclComm_t comm, fcclStream_t stream) {
  return api::guard("fcclAllToAllv", [&]() -> Status {
    return api::failingGroup([&]() -> Status {
      FCCL_ASSIGN_OR_RETURN(auto* c, api::asComm(comm));
      FCCL_ASSIGN_OR_RETURN(auto layout, api::readLayout(sendcounts, sdispls, recvcounts, rdispls, c->nranks()));
      const CollectiveCall call{Collective::kAllToAllv, sendbuff, recvbuff, 0, datatype, fcclSum, 0, std::move(layout)};
      FCCL_TRY(api::checkCall(call, *c));
      return api::submit(*c, stream, call);
    }());
  });
}

fcclResult_t fcclSend(const void* sendbuff, size_t count, fcclDataType_t datatype, int peer, fcclComm_t comm,
                      fcclStream_t stream) {
  const PointToPointCall call{true, peer, const_cast<void*>(sendbuff), count, datatype};
  return submitChecked("fcclSend", call, comm, stream, api::checkPointToPoint);
}

fcclResult_t fcclRecv(void* recvbuff, size_t count, fcclDataType_t datatype, int peer, fcclComm_t comm,
                      fcclStream_t stream) {
  const PointToPointCall call{false, peer, recvbuff, count, datatype};
  return submitChecked("fcclRecv", call, comm, stream, api::checkPointToPoint);
}

fcclResult_t fcclGroupStart(void) { return api::guard("fcclGroupStart", [] { return api::groupStart(); }); }

fcclResult_t fcclGroupEnd(void) { return api::guard("fcclGroupEnd", [] { return api::groupEnd(); }); }

}  // extern "C"
