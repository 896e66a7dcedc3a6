/* fccl device plugin ABI. A device plugin gives fccl the accelerator's memory, copies and
 * reduction kernels. `host` (host memory, CPU kernels) is built in; a vendor device is a separate
 * library loaded with FCCL_DEVICE_PLUGIN that exports `fcclDevicePlugin_v1`.
 *
 * Rules of the ABI: `size` and `version` come first; fields are only ever appended; a plugin
 * fills the struct with designated initialisers. Every function returns fcclSuccess or an error
 * and reports details through the log callback; none may call exit() or abort().
 *
 * Versions: 1.0 ends at `divide`. 1.1 appends streams (streamCreate .. streamQuery). 1.2 appends
 * the multicast calls (multicastReduce, multicastStore). 1.3 appends multicastReduceStore, the
 * two in one pass, which a plugin may leave NULL. fccl reads `size` to tell which fields a
 * plugin has, so a 1.0 plugin still loads; it only has no streams, and one without the
 * multicast calls runs no NVLS algorithm. */
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
  uint32_t version; /* FCCL_DEVICE_VERSION(1, 1) */
  const char* name; /* "host", "cuda", ... */

  fcclResult_t (*init)(fcclLogFn log, void** ctx);
  fcclResult_t (*finalize)(void* ctx);

  /* Identity of the scale-up fabric this device sits on (NVLink clique, ...). Ranks whose
   * devices report the same non-empty id can reach each other by load/store. The host device
   * writes an empty string: it has no fabric, the topology detector decides. */
  fcclResult_t (*fabricId)(void* ctx, char* id, size_t idBytes);

  /* Memory that peers on the scale-up fabric may map. The host device backs every allocation
   * with its own memfd, so a process of the same user can map it through /proc/<pid>/fd/<fd>
   * (fccl finds the fd with findPeerMapping, lib/device/host_device.h). memFree of a pointer
   * memAlloc did not return fails with fcclInvalidArgument. */
  fcclResult_t (*memAlloc)(void* ctx, void** ptr, size_t bytes);
  fcclResult_t (*memFree)(void* ctx, void* ptr);

  /* dst and src do not overlap. Blocks until done (to order a copy after other work, queue it on
   * a stream with streamLaunchHostFn). */
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

  /* ---- 1.1: streams. A stream runs the work queued on it one item at a time, in the order it
   * was queued. Every hook is thread-safe: several threads may queue onto one stream, and many
   * streams may exist at once. A 1.0 plugin (size ends before these fields) has no streams. */
  fcclResult_t (*streamCreate)(void* ctx, void** stream);
  /* Waits for queued work first. Must not be called from work running on that stream. */
  fcclResult_t (*streamDestroy)(void* ctx, void* stream);
  /* Queues fn(arg) behind everything queued on the stream; returns at once. A non-success result
   * of fn is sticky: streamSynchronize/streamQuery return it from then on (later work still
   * runs: fn may own arg). On failure nothing was queued and fn will never be called. */
  fcclResult_t (*streamLaunchHostFn)(void* ctx, void* stream, fcclResult_t (*fn)(void* arg), void* arg);
  /* Waits until the queue is empty; returns the sticky error or fcclSuccess. Must not be called
   * from work running on that stream. */
  fcclResult_t (*streamSynchronize)(void* ctx, void* stream);
  /* Never blocks: the sticky error if there is one (even while work remains), else fcclInProgress
   * while work is queued or running, else fcclSuccess. */
  fcclResult_t (*streamQuery)(void* ctx, void* stream);

  /* ---- 1.2: multicast (NVLS). What a scale-up switch does in the fabric, given every member's
   * mapped copy of one buffer (srcs/dsts are this process's addresses of them; a real fabric
   * would take one multicast address instead). Both hooks come or neither does.
   * multicastReduce: dst[i] = srcs[0][i] op srcs[1][i] op ... for i < count, reading each source
   * once. dst may alias one of srcs exactly; no other overlap. Low-precision floats reduce in
   * float and round to nearest even after each member. nsrcs >= 1.
   * multicastStore: dsts[k][0..bytes) = src[0..bytes) for every k; a dst equal to src is left
   * alone. The destinations do not overlap each other or src otherwise. ndsts >= 1. */
  fcclResult_t (*multicastReduce)(void* ctx, void* dst, const void* const* srcs, int nsrcs, size_t count,
                                  fcclDataType_t type, fcclRedOp_t op);
  fcclResult_t (*multicastStore)(void* ctx, void* const* dsts, int ndsts, const void* src, size_t bytes);

  /* ---- 1.3: optional; only with the 1.2 hooks. The reduction of the members' slice stored into
   * every member at once, as a switch's reduce-and-multicast does it: dsts[k][i] = srcs[0][i] op
   * srcs[1][i] op ... for every k and i < count, each source read once and nothing read back.
   * A dst may alias a src exactly (in place); otherwise neither dsts nor srcs overlap. When it is
   * NULL fccl calls multicastReduce into dsts[0], then multicastStore from there. */
  fcclResult_t (*multicastReduceStore)(void* ctx, void* const* dsts, int ndsts, const void* const* srcs, int nsrcs,
                                       size_t count, fcclDataType_t type, fcclRedOp_t op);
} fcclDevice_v1_t;

#ifdef __cplusplus
}
#endif

#endif /* FCCL_FCCL_DEVICE_H_ */
