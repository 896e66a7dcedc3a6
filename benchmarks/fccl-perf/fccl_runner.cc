// The collective under test: one fccl call per CollArgs (sendrecv: one group of a send and a
// receive), stream NULL (returns when done).
#include "fccl_backend.h"

namespace fccl::perf {

std::string fcclFailure(fcclResult_t result, fcclComm_t comm) {
  const char* last = fcclGetLastError(comm);
  return std::string(fcclGetErrorString(result)) + ": " + (last && *last ? last : "(no detail)");
}

// nccl-tests' sendrecv: to rank + 1, from rank - 1, both in one group so neither waits for the
// other. In place, both use one buffer, as nccl-tests does.
fcclResult_t FcclRunner::sendRecv(const CollArgs& a) {
  const int next = (rank_ + 1) % nranks_, prev = (rank_ + nranks_ - 1) % nranks_;
  if (fcclResult_t r = fcclGroupStart(); r != fcclSuccess) return r;
  const fcclResult_t sent = fcclSend(a.send, a.count, a.type, next, comm_, nullptr);
  const fcclResult_t received = fcclRecv(a.recv, a.count, a.type, prev, comm_, nullptr);
  const fcclResult_t ended = fcclGroupEnd();  // always, so that the group does not stay open
  return ended != fcclSuccess ? ended : sent != fcclSuccess ? sent : received;
}

char* FcclRunner::RegisteredMemory::allocate(size_t bytes) {
  void* data = nullptr;
  if (fcclMemAlloc(&data, bytes) != fcclSuccess) return nullptr;
  void* handle = nullptr;
  if (fcclCommRegister(comm_, data, bytes, &handle) != fcclSuccess) {
    fcclMemFree(data);
    return nullptr;
  }
  handles_.emplace_back(static_cast<char*>(data), handle);
  return static_cast<char*>(data);
}

void FcclRunner::RegisteredMemory::release(char* data) {
  for (auto it = handles_.begin(); it != handles_.end(); ++it)
    if (it->first == data) {
      fcclCommDeregister(comm_, it->second);
      handles_.erase(it);
      break;
    }
  fcclMemFree(data);
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
      r = fcclAllToAll(a.send, a.recv, a.count, a.type, comm_, nullptr);
      break;
    case Collective::kAllToAllv: {
      const PeerBlocks& b = *a.blocks;
      r = fcclAllToAllv(a.send, b.sendCounts.data(), b.sendDispls.data(), a.recv, b.recvCounts.data(),
                        b.recvDispls.data(), a.type, comm_, nullptr);
      break;
    }
    case Collective::kSendRecv:
      r = sendRecv(a);
      break;
    case Collective::kMoe:
      return {"moe runs through its own sweep (perf_moe.h), not as one collective call"};
  }
  if (r != fcclSuccess) return {fcclFailure(r, comm_)};
  return {};
}

}  // namespace fccl::perf
