// fcclGroupStart/End: per thread, calls made inside a group are only recorded; the outermost
// fcclGroupEnd turns them into one batch per communicator and launches those together. A call
// that fails its checks inside a group returns its error at once and makes fcclGroupEnd
// return it too, launching nothing: half a group would leave the peers waiting.
#pragma once

#include "comm/communicator.h"
#include "fccl/fccl.h"

namespace fccl::api {

// A checked call: recorded into this thread's open group, or launched at once.
Status submit(Communicator& comm, fcclStream_t stream, const CollectiveCall& call);
Status submit(Communicator& comm, fcclStream_t stream, const PointToPointCall& call);
// An operation that exchanges counts before it knows what to move cannot join a group (its
// peers could not plan the group's exchange without them): refused inside one, else launched.
Status submit(Communicator& comm, fcclStream_t stream, std::shared_ptr<StagedOp> op);
// Remembers a failed call made inside an open group (no-op outside one).
void failGroup(const Status& error);
// Passes `result` on, remembering it for the open group when it is a failure.
inline Status failingGroup(Status result) {
  if (!result.isOk()) failGroup(result);
  return result;
}

Status groupStart();
Status groupEnd();

}  // namespace fccl::api
