// C entry points for streams: thin handles over fccl::Stream (lib/device/stream.h).
#include "api/guard.h"
#include "api/live_handles.h"
#include "device/stream.h"

using fccl::Code;
using fccl::Status;
namespace api = fccl::api;

namespace {

// A handle is looked up among the live ones before asStream reads its magic number, so a
// destroyed or made-up handle is an error message rather than a read of freed memory.
fccl::Expected<fccl::Stream*> liveStream(fcclStream_t stream) {
  if (stream != nullptr && !api::isLiveHandle(stream))
    return Status(Code::kInvalidArgument, "stream is not a live stream (destroyed?)");
  return fccl::asStream(stream);
}

}  // namespace

extern "C" {

fcclResult_t fcclStreamCreate(fcclStream_t* stream) {
  return api::guard("fcclStreamCreate", [&] {
    if (!stream) return Status(Code::kInvalidArgument, "stream (the output pointer) is NULL");
    *stream = nullptr;
    FCCL_ASSIGN_OR_RETURN(auto created, fccl::Stream::create());
    api::addLiveHandle(created->handle());  // first: if it throws, `created` still frees the stream
    *stream = created.release()->handle();
    return Status::ok();
  });
}

fcclResult_t fcclStreamDestroy(fcclStream_t stream) {
  return api::guard("fcclStreamDestroy", [&] {
    if (stream == nullptr) return Status::ok();  // like free(NULL)
    FCCL_ASSIGN_OR_RETURN(fccl::Stream * s, liveStream(stream));
    api::removeLiveHandle(stream);
    delete s;  // waits for the queued work; its errors die with the stream
    return Status::ok();
  });
}

fcclResult_t fcclStreamSynchronize(fcclStream_t stream) {
  return api::guard("fcclStreamSynchronize", [&] {
    FCCL_ASSIGN_OR_RETURN(fccl::Stream * s, liveStream(stream));
    return s->synchronize();
  });
}

// Busy is an answer here, not a failure: guard returns fcclInProgress without logging it.
fcclResult_t fcclStreamQuery(fcclStream_t stream) {
  return api::guard("fcclStreamQuery", [&] {
    FCCL_ASSIGN_OR_RETURN(fccl::Stream * s, liveStream(stream));
    return s->query();
  });
}

}  // extern "C"
