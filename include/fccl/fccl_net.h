/* fccl scale-out network plugin ABI. A net moves messages between ranks that share no memory
 * (EFA, InfiniBand, TCP). The built-in net `ofi` runs over libfabric; another library is loaded
 * with FCCL_NET_PLUGIN=libfoo.so and exports `fcclNetPlugin_v1`, a fcclNet_v1_t.
 *
 * Rules of the ABI: `size` and `version` come first; fields are only ever appended; a plugin
 * fills the struct with designated initialisers and every hook is non-NULL. Every hook returns
 * fcclSuccess or an error and says why through the log callback (fcclLogWarn) during that call;
 * none may call exit() or abort(), and none may block waiting for a peer.
 *
 * Model (the shape of NCCL's net plugins):
 *  - A device is a NIC (or a port of one); devices() counts them, getProperties() describes one.
 *  - Connections are one-way. The receiver calls listen(), which fills an opaque handle of at
 *    most FCCL_NET_HANDLE_MAXSIZE bytes; fccl carries it to the sender over its bootstrap
 *    network; the sender calls connect() with it, the receiver accept() on the listen comm. Both
 *    are non-blocking: they return fcclSuccess with the comm still NULL until the connection is
 *    up, and the caller calls again (with the same arguments). A handle is connected once, and a
 *    listen comm accepts one connection.
 *  - isend(tag) on a send comm matches the next irecv of that tag on the receiving comm: for each
 *    tag, the k-th message sent lands in the k-th buffer posted for it, whatever order the
 *    fabric delivers in. Messages of different tags are independent.
 *  - Flow control is the net's: a message is put on the wire only once the receiver has posted
 *    the buffer it lands in, so a receiver never buffers unexpected data. A send issued earlier
 *    waits inside the net; the caller need not retry it.
 *  - Progress is the net's too: posted operations advance without further calls (a progress
 *    thread or hardware), because fccl may be waiting on another transport meanwhile.
 *  - Requests: isend/irecv return a request that test() polls; once test() reports done or an
 *    error, the request is gone. A NULL request with fcclSuccess is back-pressure (the net is out
 *    of resources for now): nothing was posted, call again later.
 *  - A dead peer becomes an error: test() of a request on a connection whose peer has gone
 *    (process killed, host down) returns fcclRemoteError within seconds, never hangs. Data the
 *    peer delivered before it died is still received.
 *  - Memory: data passed to isend/irecv must be registered with regMr (or regMrDmaBuf) on a comm
 *    of the same device, and stay valid until its request is done or the comm is closed.
 *
 * Threads: hooks may be called from several threads at once, on different comms or the same. */
#ifndef FCCL_FCCL_NET_H_
#define FCCL_FCCL_NET_H_

#include <stddef.h>
#include <stdint.h>

#include "fccl/fccl.h"
#include "fccl/fccl_device.h" /* fcclLogFn, fcclLogLevel_t: the log callback all plugins share */

#ifdef __cplusplus
extern "C" {
#endif

#define FCCL_NET_VERSION(major, minor) (((uint32_t)(major) << 16) | (uint32_t)(minor))
#define FCCL_NET_PLUGIN_SYMBOL "fcclNetPlugin_v1"

#define FCCL_NET_HANDLE_MAXSIZE 128 /* bytes listen() may write into the handle */
#define FCCL_NET_MAX_RECVS 8        /* most buffers one irecv may post */
#define FCCL_NET_MAX_TAG 0xffff     /* tags are 0 .. FCCL_NET_MAX_TAG */

/* Memory kinds, for ptrSupport and regMr's `type`. */
#define FCCL_NET_PTR_HOST 0x1
#define FCCL_NET_PTR_DEVICE 0x2
#define FCCL_NET_PTR_DMABUF 0x4

typedef struct {
  /* Set by fccl before the call: sizeof(fcclNetProperties_v1_t) as fccl compiled it. A plugin
   * writes only fields that end within `size`, so either side may be newer. */
  size_t size;
  char name[64];      /* the NIC: "eth0", "rdmap0s31", "shm" */
  char pciPath[256];  /* "/sys/bus/pci/devices/0000:3b:00.0", or "" when not a PCI device */
  char provider[64];  /* the fabric under the net: "tcp;ofi_rxm", "efa"; "" if not meaningful */
  uint64_t guid;      /* equal for the ports of one physical NIC */
  int speedMbps;      /* link speed; 0 when unknown */
  float latencyUs;    /* one-way small-message latency; 0 when unknown */
  int maxComms;       /* connections a device supports */
  int maxRecvs;       /* most buffers in one irecv, <= FCCL_NET_MAX_RECVS */
  int ptrSupport;     /* FCCL_NET_PTR_* the device sends from and receives into */
  int regIsGlobal;    /* 1: a registration on one comm is valid on every comm of the device */
  int rmaSupport;     /* 1: the fabric offers one-sided RMA (informational for now) */
} fcclNetProperties_v1_t;

typedef struct {
  size_t size;      /* sizeof(fcclNet_v1_t) as the plugin compiled it */
  uint32_t version; /* FCCL_NET_VERSION(1, 0) */
  const char* name; /* "ofi", "ib", ... */

  /* `log` stays valid until finalize. *ctx is passed to the device-level hooks. */
  fcclResult_t (*init)(fcclLogFn log, void** ctx);
  /* Closes everything of ctx. Comms and requests still open are freed with it. */
  fcclResult_t (*finalize)(void* ctx);
  fcclResult_t (*devices)(void* ctx, int* ndev);
  /* props->size is set by the caller; see fcclNetProperties_v1_t. */
  fcclResult_t (*getProperties)(void* ctx, int dev, fcclNetProperties_v1_t* props);

  /* Receiver: fills `handle` (FCCL_NET_HANDLE_MAXSIZE bytes) for the sender and creates a listen
   * comm. Never blocks. */
  fcclResult_t (*listen)(void* ctx, int dev, void* handle, void** listenComm);
  /* Sender: connects to the listen comm that produced `handle`. Never blocks: *sendComm stays
   * NULL until connected; call again with the same handle. An unusable handle is
   * fcclRemoteError (it came from a peer); a peer known to be gone too. */
  fcclResult_t (*connect)(void* ctx, int dev, const void* handle, void** sendComm);
  /* Receiver: *recvComm stays NULL until the sender has connected; call again. */
  fcclResult_t (*accept)(void* listenComm, void** recvComm);

  /* Registers [data, data + size) of memory kind `type` (FCCL_NET_PTR_*) for use on `comm` (a
   * send or receive comm). Registering the same range twice gives the same handle and needs two
   * deregMr calls. */
  fcclResult_t (*regMr)(void* comm, void* data, size_t size, int type, void** mhandle);
  /* The same for memory given as a dma-buf fd at `offset`. A net whose fabric cannot import
   * dma-bufs returns fcclInvalidUsage and says so; fccl then stages through host memory.
   * (The built-in net does: libfabric 1.17 has no FI_MR_DMABUF.) */
  fcclResult_t (*regMrDmaBuf)(void* comm, void* data, size_t size, int type, uint64_t offset, int fd,
                              void** mhandle);
  /* Before `comm` is closed. Operations still using the memory may be outstanding: the net keeps
   * the registration alive until they are done or their comm is closed. */
  fcclResult_t (*deregMr)(void* comm, void* mhandle);

  /* Sends `size` bytes with `tag` (<= FCCL_NET_MAX_TAG). *request NULL: back-pressure, nothing
   * was sent; call again. The message goes out once the receiver has posted for it. */
  fcclResult_t (*isend)(void* sendComm, void* data, size_t size, uint32_t tag, void* mhandle, void** request);
  /* Posts n (1 .. maxRecvs) buffers, buffer i for the next message of tags[i] of at most
   * sizes[i] bytes; one request covers all n. *request NULL: back-pressure, call again. A message
   * longer than its buffer fails the request. */
  fcclResult_t (*irecv)(void* recvComm, int n, void** data, size_t* sizes, uint32_t* tags, void** mhandles,
                        void** request);
  /* Makes received data visible to the device that will read it (GPU-direct receives). Sets
   * *request NULL when there is nothing to do, as for host memory. */
  fcclResult_t (*iflush)(void* recvComm, int n, void** data, size_t* sizes, void** mhandles, void** request);
  /* Never blocks. *done = 1 when the request finished; then for a receive sizes[i] (when sizes
   * is not NULL) holds the bytes that arrived in buffer i, and for a send sizes[0] the bytes
   * sent. An error ends the request too. */
  fcclResult_t (*test)(void* request, int* done, size_t* sizes);

  /* Close a comm and the requests still on it: receives are cancelled, sends not yet on the wire
   * dropped, and the net waits a bounded time (about a second; not at all for a dead peer) for
   * sends the fabric holds to finish, so the caller may free the buffers after. A caller that
   * wants its last messages delivered tests their requests to completion first. */
  fcclResult_t (*closeSend)(void* sendComm);
  fcclResult_t (*closeRecv)(void* recvComm);
  fcclResult_t (*closeListen)(void* listenComm);
} fcclNet_v1_t;

#ifdef __cplusplus
}
#endif

#endif /* FCCL_FCCL_NET_H_ */
