// The two directions between fccl's internal Code and the C ABI's fcclResult_t. Plugins speak
// fcclResult_t (fccl_device.h), the inside speaks Status; the device layer crosses both ways, the
// API layer (api::toResult) only outwards.
#pragma once

#include "common/status.h"
#include "fccl/fccl.h"

namespace fccl {

// kOk -> fcclSuccess; codes the C API has no name for (kBusy, kAborted, kInternal) become
// fcclInternalError, except kAborted which is the caller's doing: fcclInvalidUsage.
fcclResult_t resultFromCode(Code code);
// fcclSuccess -> kOk; results with no Code of their own (fcclUnhandledError, unknown values)
// become kInternal.
Code codeFromResult(fcclResult_t result);
// "fcclInvalidArgument", ...; "unknown fcclResult_t" for a value outside the enum.
const char* resultName(fcclResult_t result);

}  // namespace fccl
