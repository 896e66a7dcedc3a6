#include "api/group.h"

#include <string>
#include <vector>

#include "api/launch.h"

namespace fccl::api {
namespace {

struct GroupState {
  int depth = 0;
  std::vector<Job> jobs;  // one per communicator, in the order each first appeared
  Status error;           // the first failed call inside the group
};
thread_local GroupState tGroup;

Expected<Job*> jobFor(Communicator& comm, fcclStream_t stream) {
  for (Job& job : tGroup.jobs) {
    if (job.comm != &comm) continue;
    if (job.stream != stream)
      return Status(Code::kInvalidUsage, "calls on one communicator within a group must use one stream (rank " +
                                             std::to_string(comm.rank()) + ")");
    return &job;
  }
  tGroup.jobs.push_back(Job{&comm, stream, {}});
  return &tGroup.jobs.back();
}

template <typename Call>
Status record(Communicator& comm, fcclStream_t stream, const Call& call) {
  if constexpr (std::is_same_v<Call, CollectiveCall>)
    if (tGroup.depth == 0 && stream == nullptr) return comm.run(call);  // the common case, without a batch
  if (tGroup.depth == 0) {
    Batch batch;
    if constexpr (std::is_same_v<Call, CollectiveCall>) batch.collectives.push_back(call);
    else batch.pointToPoint.push_back(call);
    std::vector<Job> jobs;
    jobs.push_back(Job{&comm, stream, std::move(batch)});
    return launch(std::move(jobs));
  }
  auto job = jobFor(comm, stream);
  if (!job.isOk()) return std::move(job).takeStatus();  // the entry point records it for the group
  if constexpr (std::is_same_v<Call, CollectiveCall>) (*job)->batch.collectives.push_back(call);
  else (*job)->batch.pointToPoint.push_back(call);
  return Status::ok();
}

}  // namespace

Status submit(Communicator& comm, fcclStream_t stream, const CollectiveCall& call) { return record(comm, stream, call); }
Status submit(Communicator& comm, fcclStream_t stream, const PointToPointCall& call) { return record(comm, stream, call); }

Status submit(Communicator& comm, fcclStream_t stream, std::shared_ptr<StagedOp> op) {
  if (tGroup.depth > 0)
    return Status(Code::kInvalidUsage, "this call exchanges counts before it moves data and cannot be part of a group");
  Batch batch;
  batch.staged.push_back(std::move(op));
  std::vector<Job> jobs;
  jobs.push_back(Job{&comm, stream, std::move(batch)});
  return launch(std::move(jobs));
}

void failGroup(const Status& error) {
  if (tGroup.depth > 0 && tGroup.error.isOk()) tGroup.error = error;
}

Status groupStart() {
  ++tGroup.depth;
  return Status::ok();
}

Status groupEnd() {
  if (tGroup.depth == 0) return Status(Code::kInvalidUsage, "fcclGroupEnd without a matching fcclGroupStart");
  if (--tGroup.depth > 0) return Status::ok();
  std::vector<Job> jobs = std::move(tGroup.jobs);
  Status error = std::move(tGroup.error);
  tGroup = GroupState{};
  if (!error.isOk()) return std::move(error).context("a call in the group failed, the group was not launched");
  std::erase_if(jobs, [](const Job& j) { return j.batch.empty(); });
  if (jobs.empty()) return Status::ok();
  return launch(std::move(jobs));
}

}  // namespace fccl::api
