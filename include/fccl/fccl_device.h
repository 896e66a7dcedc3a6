/* fccl device plugin ABI. A device plugin gives fccl the accelerator's memory, copies and
 * reduction kernels. `host` (host memory, CPU kernels) is built in; a vendor device is a separate
 * library loaded with FCCL_DEVICE_PLUGIN that exports `fcclDevicePlugin_v1`.
 *
 * Rules of the ABI: `size` and `version` come first; fields are only ever appended; a plugin
 * fills the struct with designated initialisers. Every function returns fcclSuccess or an error
 * and reports details through the log callback; none may call exit() or abort(). */
#ifndef FCCL_FCCL_DEVICE_H_
#define FCCL_FCCL_DEVICE_H_

#include "fccl/fccl.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FCCL_DEVICE_VERSION(major, minor) (((uint32_t)(major) << 16) | (uint32_t)(minor))
#define FCCL_DEVICE_PLUGIN_SYMBOL "fcclDevicePlugin_v1"

typedef enum { fcclLogWarn = 1, fcclLogInfo = 2, fcclLogTrace = 3 } fcclLogLevel_t;
typedef void (*fcclLogFn)(fcclLogLevel_t level, const char* message);

typedef struct {
  size_t size;      /* sizeof(fcclDevice_v1_t) as the plugin compiled it */
  uint32_t version; /* FCCL_DEVICE_VERSION(1, 0) */
  const char* name; /* "host", "cuda", ... */

  fcclResult_t (*init)(fcclLogFn log, void** ctx);
  fcclResult_t (*finalize)(void* ctx);

  /* Identity of the scale-up fabric this device sits on (NVLink clique, ...). Ranks whose
   * devices report the same non-empty id can reach each other by load/store. The host device
   * writes an empty string: it has no fabric, the topology detector decides. */
  fcclResult_t (*fabricId)(void* ctx, char* id, size_t idBytes);

  /* Memory that peers may map. */
  fcclResult_t (*memAlloc)(void* ctx, void** ptr, size_t bytes);
  fcclResult_t (*memFree)(void* ctx, void* ptr);

  /* dst and src do not overlap. Blocks until done (streams come with a later version). */
  fcclResult_t (*copy)(void* ctx, void* dst, const void* src, size_t bytes);

  /* dst[i] = a[i] op b[i] for i < count. dst may alias a or b exactly; no other overlap. No
   * alignment beyond the byte is required. Low-precision floats reduce in float and round to
   * nearest even. fcclAvg is not an op here: it reduces with fcclSum and ends with `scale`. */
  fcclResult_t (*reduce)(void* ctx, void* dst, const void* a, const void* b, size_t count,
                         fcclDataType_t type, fcclRedOp_t op);

  /* dst[i] = src[i] / divisor, the last step of fcclAvg (integers divide with truncation).
   * dst may alias src exactly. */
  fcclResult_t (*divide)(void* ctx, void* dst, const void* src, size_t count, fcclDataType_t type,
                         uint32_t divisor);
} fcclDevice_v1_t;

#ifdef __cplusplus
}
#endif

#endif /* FCCL_FCCL_DEVICE_H_ */
