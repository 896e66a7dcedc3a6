// C entry points of the collectives: check, then hand to the communicator.
#include "api/check_args.h"
#include "api/guard.h"

using fccl::Collective;
using fccl::CollectiveCall;
using fccl::Status;
namespace api = fccl::api;

namespace {

fcclResult_t runCollective(const char* function, const CollectiveCall& call, fcclComm_t comm, fcclStream_t stream) {
  return api::guard(function, [&]() -> Status {
    FCCL_ASSIGN_OR_RETURN(auto* c, api::asComm(comm));
    FCCL_TRY(api::checkCall(call, *c, stream));
    return c->run(call);
  });
}

}  // namespace

extern "C" {

fcclResult_t fcclAllReduce(const void* sendbuff, void* recvbuff, size_t count,
                                                                   fcclDataType_t datatype, fcclRedOp_t op,
                                                                   fcclComm_t comm, fcclStream_t stream) {
  return runCollective("fcclAllReduce", {Collective::kAllReduce, sendbuff, recvbuff, count, datatype, op}, comm,
                       stream);
}

fcclResult_t fcclAllGather(const void* sendbuff, void* recvbuff,
                                                                   size_t sendcount, fcclDataType_t datatype,
                                                                   fcclComm_t comm, fcclStream_t stream) {
  return runCollective("fcclAllGather", {Collective::kAllGather, sendbuff, recvbuff, sendcount, datatype, fcclSum},
                       comm, stream);
}

fcclResult_t fcclReduceScatter(const void* sendbuff, void* recvbuff,
                                                                       size_t recvcount, fcclDataType_t datatype,
                                                                       fcclRedOp_t op, fcclComm_t comm,
                                                                       fcclStream_t stream) {
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

}  // extern "C"
