// The process group's life (joining, queuing, coalescing, leaving) and its barrier. The other
// operations live in all_reduce.cc, rooted.cc, gathers.cc, gather_scatter.cc, all_to_all.cc and
// point_to_point.cc.
#include "process_group.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <utility>

#include "fccl_check.h"

namespace fccl::pytorch {
namespace {

// The store key under which rank 0 publishes the unique id. The store handed to a process group
// is already prefixed with the group's name, so groups do not collide.
constexpr const char* kUniqueIdKey = "fccl_unique_id";

fcclUniqueId exchangeUniqueId(c10d::Store& store, int rank) {
  fcclUniqueId id;
  if (rank == 0) {
    checkFccl(fcclGetUniqueId(&id), "fcclGetUniqueId");
    const auto* bytes = reinterpret_cast<const uint8_t*>(id.internal);
    store.set(kUniqueIdKey, std::vector<uint8_t>(bytes, bytes + sizeof id.internal));
    return id;
  }
  const std::vector<uint8_t> bytes = store.get(kUniqueIdKey);  // waits for rank 0, up to the store's timeout
  TORCH_CHECK(bytes.size() == sizeof id.internal, "fccl: the unique id in the store has ", bytes.size(),
              " bytes, expected ", sizeof id.internal);
  std::memcpy(id.internal, bytes.data(), sizeof id.internal);
  return id;
}

}  // namespace

void FcclProcessGroup::CommDestroy::operator()(fcclComm* comm) const {
  // A broken communicator's peers may be gone: abort returns at once where destroy would wait.
  fcclResult_t state = fcclSuccess;
  if (fcclCommGetAsyncError(comm, &state) != fcclSuccess || state != fcclSuccess) {
    fcclCommAbort(comm);
  } else {
    fcclCommDestroy(comm);
  }
}

FcclProcessGroup::UniqueComm FcclProcessGroup::joinGroup(c10d::Store& store, int rank, int size,
                                                         std::chrono::milliseconds timeout) {
  fcclUniqueId id = exchangeUniqueId(store, rank);
  fcclConfig_t config = FCCL_CONFIG_INITIALIZER;
  // torch's timeout is the one the user gave init_process_group; FCCL_TIMEOUT_MS, where set,
  // is a deliberate override of fccl's and wins.
  if (std::getenv("FCCL_TIMEOUT_MS") == nullptr && timeout.count() > 0)
    config.timeoutMs = static_cast<int>(std::min<int64_t>(timeout.count(), std::numeric_limits<int>::max()));
  fcclComm_t comm = nullptr;
  checkFccl(fcclCommInitRankConfig(&comm, size, id, rank, &config), "fcclCommInitRankConfig");
  return UniqueComm(comm);
}

FcclProcessGroup::FcclProcessGroup(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size,
                                   std::chrono::milliseconds timeout)
    : c10d::ProcessGroup(rank, size), comm_(joinGroup(*store, rank, size, timeout)) {
  init();
}

FcclProcessGroup::~FcclProcessGroup() = default;

c10::intrusive_ptr<c10d::Work> FcclProcessGroup::enqueue(c10d::OpType type, const char* title,
                                                         std::vector<at::Tensor> outputs, StagedTensors staged,
                                                         const std::function<fcclResult_t(fcclStream_t)>& launch) {
  StreamLease stream = coalescing_ ? streams_.share(groupStream_) : streams_.acquire();
  if (const fcclResult_t result = launch(stream.get()); result != fcclSuccess) {
    const std::string failure = describeFailure(result, title);
    // Calls of this operation queued before the failing one still read its buffers: let them run
    // out before the buffers go. (In a group nothing is queued yet, and nothing will be.)
    if (!coalescing_) fcclStreamSynchronize(stream.get());
    TORCH_CHECK(false, failure);
  }
  auto work =
      c10::make_intrusive<FcclWork>(getRank(), type, title, std::move(outputs), std::move(stream), std::move(staged));
  if (coalescing_) {
    groupWorks_.push_back(work);
  } else {
    work->markLaunched();
    completions_.push(work);
  }
  return work;
}

void FcclProcessGroup::startCoalescing() {
  TORCH_CHECK(!coalescing_, "fccl: startCoalescing while coalescing already");
  groupStream_ = streams_.acquire();
  checkFccl(fcclGroupStart(), "fcclGroupStart");
  coalescing_ = true;
}

void FcclProcessGroup::endCoalescing(std::vector<c10::intrusive_ptr<c10d::Work>>& /* reqs: ours are in groupWorks_ */) {
  TORCH_CHECK(coalescing_, "fccl: endCoalescing without startCoalescing");
  coalescing_ = false;
  std::vector<c10::intrusive_ptr<FcclWork>> works = std::move(groupWorks_);
  groupWorks_.clear();
  const fcclResult_t result = fcclGroupEnd();
  groupStream_.reset();
  if (result != fcclSuccess) {
    const std::string failure = describeFailure(result, "fcclGroupEnd");
    for (auto& work : works) work->fail(std::make_exception_ptr(std::runtime_error(failure)));
    TORCH_CHECK(false, failure);
  }
  for (auto& work : works) {
    work->markLaunched();
    completions_.push(std::move(work));
  }
}

c10::intrusive_ptr<c10d::Work> FcclProcessGroup::barrier(const c10d::BarrierOptions& /* opts */) {
  StagedTensors staged;
  at::Tensor token = at::zeros({1}, at::kByte);
  staged.keep(token);
  return enqueue(c10d::OpType::BARRIER, "fccl:barrier", {}, std::move(staged), [&](fcclStream_t stream) {
    return fcclAllReduce(token.data_ptr(), token.data_ptr(), 1, fcclUint8, fcclSum, comm(), stream);
  });
}

}  // namespace fccl::pytorch
