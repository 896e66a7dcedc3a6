// torch.distributed's "fccl" backend: a c10d::ProcessGroup (torch 1.13) whose collectives are
// fccl calls on one communicator.
//
// Every operation checks its tensors, stages them contiguously (StagedTensors), queues one fccl
// call on a stream (StreamPool) and returns an FcclWork at once; the CompletionQueue finishes the
// work when the stream has run it. So calls are asynchronous, as torch expects: `async_op=True`
// returns before the data moved, wait() blocks, and DDP's buckets overlap the backward pass.
// Calls made between startCoalescing() and endCoalescing() (batch_isend_irecv) form one fccl
// group, launched together, so any pattern of sends and receives among them completes.
//
// Errors: a refused argument throws at the call; a failure of fccl throws at the call when fccl
// reports it there, else from wait() (and the future); either way as RuntimeError carrying fccl's
// message (fcclGetLastError). A failure breaks the communicator, and later calls fail too.
//
// Calls are expected from one thread at a time, as with torch's other backends.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/Store.hpp>
#include <vector>

#include "completion_queue.h"
#include "fccl/fccl.h"
#include "fccl_work.h"
#include "staged_tensors.h"
#include "stream_pool.h"

namespace fccl::pytorch {

class FcclProcessGroup : public c10d::ProcessGroup {
 public:
  // Joins the group of `size` ranks as `rank`: rank 0 makes the fccl unique id and publishes it
  // in `store`, the others read it from there, and all of them create the communicator. `timeout`
  // bounds every fccl wait unless FCCL_TIMEOUT_MS says otherwise.
  FcclProcessGroup(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size, std::chrono::milliseconds timeout);
  // Waits for the works in flight, then frees the communicator (aborts it if it is broken).
  ~FcclProcessGroup() override;

  const std::string getBackendName() const override { return "fccl"; }

  c10::intrusive_ptr<c10d::Work> allreduce(std::vector<at::Tensor>& tensors,
                                           const c10d::AllreduceOptions& opts = c10d::AllreduceOptions()) override;
  c10::intrusive_ptr<c10d::Work> allreduce_coalesced(
      std::vector<at::Tensor>& tensors,
      const c10d::AllreduceCoalescedOptions& opts = c10d::AllreduceCoalescedOptions()) override;
  c10::intrusive_ptr<c10d::Work> reduce(std::vector<at::Tensor>& tensors,
                                        const c10d::ReduceOptions& opts = c10d::ReduceOptions()) override;
  c10::intrusive_ptr<c10d::Work> broadcast(std::vector<at::Tensor>& tensors,
                                           const c10d::BroadcastOptions& opts = c10d::BroadcastOptions()) override;
  c10::intrusive_ptr<c10d::Work> allgather(std::vector<std::vector<at::Tensor>>& outputTensors,
                                           std::vector<at::Tensor>& inputTensors,
                                           const c10d::AllgatherOptions& opts = c10d::AllgatherOptions()) override;
  c10::intrusive_ptr<c10d::Work> _allgather_base(
      at::Tensor& outputBuffer, at::Tensor& inputBuffer,
      const c10d::AllgatherOptions& opts = c10d::AllgatherOptions()) override;
  c10::intrusive_ptr<c10d::Work> reduce_scatter(
      std::vector<at::Tensor>& outputTensors, std::vector<std::vector<at::Tensor>>& inputTensors,
      const c10d::ReduceScatterOptions& opts = c10d::ReduceScatterOptions()) override;
  c10::intrusive_ptr<c10d::Work> _reduce_scatter_base(
      at::Tensor& outputBuffer, at::Tensor& inputBuffer,
      const c10d::ReduceScatterOptions& opts = c10d::ReduceScatterOptions()) override;
  // Point-to-point exchanges between the root and the others, in one fccl group.
  c10::intrusive_ptr<c10d::Work> gather(std::vector<std::vector<at::Tensor>>& outputTensors,
                                        std::vector<at::Tensor>& inputTensors,
                                        const c10d::GatherOptions& opts = c10d::GatherOptions()) override;
  c10::intrusive_ptr<c10d::Work> scatter(std::vector<at::Tensor>& outputTensors,
                                         std::vector<std::vector<at::Tensor>>& inputTensors,
                                         const c10d::ScatterOptions& opts = c10d::ScatterOptions()) override;
  c10::intrusive_ptr<c10d::Work> alltoall_base(at::Tensor& outputBuffer, at::Tensor& inputBuffer,
                                               std::vector<int64_t>& outputSplitSizes,
                                               std::vector<int64_t>& inputSplitSizes,
                                               const c10d::AllToAllOptions& opts = c10d::AllToAllOptions()) override;
  c10::intrusive_ptr<c10d::Work> alltoall(std::vector<at::Tensor>& outputTensors, std::vector<at::Tensor>& inputTensors,
                                          const c10d::AllToAllOptions& opts = c10d::AllToAllOptions()) override;
  // fccl matches sends and receives between two ranks in the order they are made (as NCCL does);
  // `tag` does not take part in matching.
  c10::intrusive_ptr<c10d::Work> send(std::vector<at::Tensor>& tensors, int dstRank, int tag) override;
  c10::intrusive_ptr<c10d::Work> recv(std::vector<at::Tensor>& tensors, int srcRank, int tag) override;
  // An all-reduce of one element: like every call it runs after the calls made before it.
  c10::intrusive_ptr<c10d::Work> barrier(const c10d::BarrierOptions& opts = c10d::BarrierOptions()) override;

  void startCoalescing() override;
  void endCoalescing(std::vector<c10::intrusive_ptr<c10d::Work>>& reqs) override;

 private:
  struct CommDestroy {
    void operator()(fcclComm* comm) const;
  };
  using UniqueComm = std::unique_ptr<fcclComm, CommDestroy>;
  static UniqueComm joinGroup(c10d::Store& store, int rank, int size, std::chrono::milliseconds timeout);

  // Queues the operation `launch` describes (its fccl calls on the stream it is given) and
  // returns its work, which owns `staged` until the operation is done and then yields `outputs`.
  // Throws with fccl's message when `launch` fails.
  c10::intrusive_ptr<c10d::Work> enqueue(c10d::OpType type, const char* title, std::vector<at::Tensor> outputs,
                                         StagedTensors staged, const std::function<fcclResult_t(fcclStream_t)>& launch);

  fcclComm_t comm() const { return comm_.get(); }

  // Destroyed in reverse: the completion queue first (it waits for the works, which give their
  // streams back), then the streams, then the communicator.
  UniqueComm comm_;
  StreamPool streams_;
  CompletionQueue completions_;

  // Between startCoalescing() and endCoalescing(): the group's stream and its works, handed to
  // the completion queue once fcclGroupEnd has launched them.
  bool coalescing_ = false;
  StreamLease groupStream_;
  std::vector<c10::intrusive_ptr<FcclWork>> groupWorks_;
};

}  // namespace fccl::pytorch
