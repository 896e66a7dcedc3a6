#include "api/launch.h"

#include <map>
#include <thread>

#include "api/live_handles.h"
#include "common/log.h"
#include "device/stream.h"

namespace fccl::api {
namespace {

struct TicketedJob {
  Communicator* comm;
  Batch batch;
  uint64_t ticket;
};

// The first job runs in the calling thread, the others each in a thread of their own.
Status runTogether(const std::vector<TicketedJob>& jobs) {
  if (jobs.size() == 1) return jobs[0].comm->runBatch(jobs[0].batch, jobs[0].ticket);
  std::vector<Status> results(jobs.size());
  std::vector<std::thread> threads;
  threads.reserve(jobs.size() - 1);
  for (size_t i = 1; i < jobs.size(); ++i)
    threads.emplace_back([&jobs, &results, i] {
      setLogRank(jobs[i].comm->rank());
      results[i] = jobs[i].comm->runBatch(jobs[i].batch, jobs[i].ticket);
    });
  setLogRank(jobs[0].comm->rank());
  results[0] = jobs[0].comm->runBatch(jobs[0].batch, jobs[0].ticket);
  for (auto& t : threads) t.join();
  for (Status& s : results)
    if (!s.isOk()) return std::move(s);
  return Status::ok();
}

}  // namespace

Status launch(std::vector<Job> jobs) {
  // Streams are checked before any ticket is taken: a bad handle must not cost an order slot.
  std::map<fcclStream_t, Stream*> streams;
  for (const Job& job : jobs)
    if (job.stream != nullptr && !streams.count(job.stream)) {
      if (!isLiveHandle(job.stream)) return Status(Code::kInvalidArgument, "stream is not a live stream (destroyed?)");
      FCCL_ASSIGN_OR_RETURN(Stream * stream, asStream(job.stream));
      streams[job.stream] = stream;
    }
  std::map<fcclStream_t, std::vector<TicketedJob>> byStream;  // NULL first: the caller's own
  for (Job& job : jobs) {
    const uint64_t ticket = job.comm->issueTicket();
    byStream[job.stream].push_back({job.comm, std::move(job.batch), ticket});
  }
  Status first;
  for (auto& [handle, streamJobs] : byStream) {
    if (handle == nullptr) continue;
    std::vector<Communicator*> comms;
    for (const TicketedJob& job : streamJobs) comms.push_back(job.comm);
    Status queued = streams[handle]->launch([work = std::move(streamJobs)] { return runTogether(work); });
    if (queued.isOk()) continue;
    for (Communicator* comm : comms) comm->cancelTicket(queued);
    if (first.isOk()) first = queued;
  }
  if (auto it = byStream.find(nullptr); it != byStream.end()) {
    Status s = runTogether(it->second);
    if (first.isOk()) first = std::move(s);
  }
  return first;
}

}  // namespace fccl::api
