// Starting work: each job is one communicator's batch, on a stream or (NULL) in the caller's
// thread. Jobs launched together (a group over several communicators, as fcclCommInitAll's
// ranks in one thread need) run at the same time, never one after another: one rank of a
// collective waits for the others, so running them in turn would deadlock.
#pragma once

#include <vector>

#include "comm/communicator.h"
#include "fccl/fccl.h"

namespace fccl::api {

struct Job {
  Communicator* comm;
  fcclStream_t stream;  // NULL: run now, in this thread
  Batch batch;
};

// Takes every job's ticket (so their order on each communicator is the call order), hands the
// jobs of each stream to that stream, runs the others and waits for them. Returns the first
// error of the jobs that ran here, or of a stream that refused its jobs.
Status launch(std::vector<Job> jobs);

}  // namespace fccl::api
