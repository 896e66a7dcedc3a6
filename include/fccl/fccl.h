/* fccl: collective communication for accelerators joined by a scale-up fabric and a scale-out
 * network. The API mirrors NCCL's one-to-one with the prefix `fccl`. Every function returns an
 * fcclResult_t; fcclGetLastError() gives the text of the most recent failure in this thread. */
#ifndef FCCL_FCCL_H_
#define FCCL_FCCL_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* libfccl exports exactly the functions declared here (and hides everything else). */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

#define FCCL_MAJOR 0
#define FCCL_MINOR 1
#define FCCL_PATCH 0
#define FCCL_VERSION_CODE (FCCL_MAJOR * 10000 + FCCL_MINOR * 100 + FCCL_PATCH)

typedef enum {
  fcclSuccess = 0,
  fcclUnhandledError = 1,
  fcclSystemError = 2,
  fcclInternalError = 3,
  fcclInvalidArgument = 4,
  fcclInvalidUsage = 5,
  fcclRemoteError = 6,
  fcclInProgress = 7,
  fcclTimeout = 8,
  fcclNumResults = 9
} fcclResult_t;

/* A C caller may pass any int where an enum is expected, and fccl must reject what is not one of
 * its values. A C++ enum without a fixed type cannot hold such a value (reading it is undefined),
 * so in C++ the enums a caller passes in are based on int: same size and passing as in C. */
#ifdef __cplusplus
#define FCCL_INT_ENUM enum : int
#else
#define FCCL_INT_ENUM enum
#endif

typedef FCCL_INT_ENUM {
  fcclInt8 = 0,
  fcclChar = 0,
  fcclUint8 = 1,
  fcclInt32 = 2,
  fcclInt = 2,
  fcclUint32 = 3,
  fcclInt64 = 4,
  fcclUint64 = 5,
  fcclFloat16 = 6,
  fcclHalf = 6,
  fcclFloat32 = 7,
  fcclFloat = 7,
  fcclFloat64 = 8,
  fcclDouble = 8,
  fcclBfloat16 = 9,
  fcclFloat8e4m3 = 10,
  fcclFloat8e5m2 = 11,
  fcclNumTypes = 12
} fcclDataType_t;

typedef FCCL_INT_ENUM { fcclSum = 0, fcclProd = 1, fcclMax = 2, fcclMin = 3, fcclAvg = 4, fcclNumOps = 5 } fcclRedOp_t;

#define FCCL_UNIQUE_ID_BYTES 128
typedef struct {
  char internal[FCCL_UNIQUE_ID_BYTES];
} fcclUniqueId;

typedef struct fcclComm* fcclComm_t;
/* A stream orders work on a device. NULL means: the call returns when its work is done. */
typedef struct fcclStream* fcclStream_t;

/* fcclCommSplit: this rank joins no new communicator (it gets NULL). */
#define FCCL_SPLIT_NOCOLOR (-1)

#define FCCL_CONFIG_MAGIC 0x6663636cu /* "fccl" */
#define FCCL_CONFIG_UNDEF_INT (-2147483647 - 1)

/* Grows only at the end; `size` and `version` tell the library which fields the caller knows. */
typedef struct {
  size_t size;
  unsigned int magic;
  unsigned int version;
  int blocking;      /* 1 (default): init returns when ready; 0: returns fcclInProgress at once */
  int timeoutMs;     /* every wait of this communicator; default FCCL_TIMEOUT_MS or 300000 */
  const char* netName; /* reserved for the scale-out backend choice; NULL = automatic */
} fcclConfig_t;

#define FCCL_CONFIG_INITIALIZER                                                              \
  {                                                                                          \
    sizeof(fcclConfig_t), FCCL_CONFIG_MAGIC, FCCL_VERSION_CODE, FCCL_CONFIG_UNDEF_INT,       \
        FCCL_CONFIG_UNDEF_INT, NULL                                                          \
  }

fcclResult_t fcclGetVersion(int* version);
const char* fcclGetErrorString(fcclResult_t result);
/* The message of the last failed call made by this thread (empty when none). */
const char* fcclGetLastError(fcclComm_t comm);

/* Creates the id of a new communicator: the address of a rendezvous service started in this
 * process and a random secret that every rank proves it knows before it may join. */
fcclResult_t fcclGetUniqueId(fcclUniqueId* uniqueId);
fcclResult_t fcclCommInitRank(fcclComm_t* comm, int nranks, fcclUniqueId commId, int rank);
fcclResult_t fcclCommInitRankConfig(fcclComm_t* comm, int nranks, fcclUniqueId commId, int rank,
                                    fcclConfig_t* config);
/* Waits for outstanding work; the communicator stays valid until fcclCommDestroy. */
fcclResult_t fcclCommFinalize(fcclComm_t comm);
fcclResult_t fcclCommDestroy(fcclComm_t comm);
/* Stops outstanding work at once and frees the communicator. Always returns. */
fcclResult_t fcclCommAbort(fcclComm_t comm);
/* The communicator's error state: fcclSuccess, fcclInProgress (non-blocking init not done), or
 * the error that broke it (a timeout, a failed peer, ...). */
fcclResult_t fcclCommGetAsyncError(fcclComm_t comm, fcclResult_t* asyncError);
/* One process driving ndev local devices: creates the ndev ranks of one communicator, one per
 * device of devlist (NULL: devices 0..ndev-1). Calls on them from one thread go in a group. */
fcclResult_t fcclCommInitAll(fcclComm_t* comms, int ndev, const int* devlist);
/* Collective over `comm`: ranks passing the same color form a new communicator, ranked by key
 * (then by their rank in comm). FCCL_SPLIT_NOCOLOR gives *newcomm = NULL. config NULL: inherit
 * comm's configuration. */
fcclResult_t fcclCommSplit(fcclComm_t comm, int color, int key, fcclComm_t* newcomm, fcclConfig_t* config);
fcclResult_t fcclCommCount(const fcclComm_t comm, int* count);
/* The device index this rank drives (fcclCommInitAll's devlist entry; 0 otherwise). */
fcclResult_t fcclCommDevice(const fcclComm_t comm, int* device);
fcclResult_t fcclCommUserRank(const fcclComm_t comm, int* rank);

fcclResult_t fcclAllReduce(const void* sendbuff, void* recvbuff, size_t count, fcclDataType_t datatype,
                           fcclRedOp_t op, fcclComm_t comm, fcclStream_t stream);
/* In place when sendbuff == recvbuff + rank * sendcount (in elements). */
fcclResult_t fcclAllGather(const void* sendbuff, void* recvbuff, size_t sendcount, fcclDataType_t datatype,
                           fcclComm_t comm, fcclStream_t stream);
/* In place when recvbuff == sendbuff + rank * recvcount (in elements). */
fcclResult_t fcclReduceScatter(const void* sendbuff, void* recvbuff, size_t recvcount,
                               fcclDataType_t datatype, fcclRedOp_t op, fcclComm_t comm,
                               fcclStream_t stream);

/* Copies the root's sendbuff to every rank's recvbuff (in place when sendbuff == recvbuff).
 * Only the root reads sendbuff; other ranks may pass NULL. */
fcclResult_t fcclBroadcast(const void* sendbuff, void* recvbuff, size_t count, fcclDataType_t datatype, int root,
                           fcclComm_t comm, fcclStream_t stream);
/* In-place broadcast, as NCCL's legacy ncclBcast. */
fcclResult_t fcclBcast(void* buff, size_t count, fcclDataType_t datatype, int root, fcclComm_t comm,
                       fcclStream_t stream);
/* Reduces every rank's sendbuff into the root's recvbuff. Only the root writes recvbuff; other
 * ranks may pass NULL. */
fcclResult_t fcclReduce(const void* sendbuff, void* recvbuff, size_t count, fcclDataType_t datatype, fcclRedOp_t op,
                        int root, fcclComm_t comm, fcclStream_t stream);

/* Every rank sends `count` elements to each rank: block j of sendbuff goes to rank j and block i
 * of rank j's recvbuff comes from rank i (blocks of `count` elements). In place when
 * sendbuff == recvbuff. */
fcclResult_t fcclAllToAll(const void* sendbuff, void* recvbuff, size_t count, fcclDataType_t datatype,
                          fcclComm_t comm, fcclStream_t stream);
/* As MPI_Alltoallv (counts and displacements in elements, one per rank): sendcounts[j] elements
 * from sendbuff + sdispls[j] go to rank j, which receives them at recvbuff + rdispls[i] with
 * recvcounts[i] equal to them. In place when sendbuff == recvbuff and the send and receive
 * layouts are the same. The arrays are read before the call returns. */
fcclResult_t fcclAllToAllv(const void* sendbuff, const size_t sendcounts[], const size_t sdispls[],
                           void* recvbuff, const size_t recvcounts[], const size_t rdispls[],
                           fcclDataType_t datatype, fcclComm_t comm, fcclStream_t stream);
/* Point to point. Sends and receives between a pair of ranks match in the order they are made;
 * inside a group they run together, so any pattern of exchanges completes. */
fcclResult_t fcclSend(const void* sendbuff, size_t count, fcclDataType_t datatype, int peer, fcclComm_t comm,
                      fcclStream_t stream);
fcclResult_t fcclRecv(void* recvbuff, size_t count, fcclDataType_t datatype, int peer, fcclComm_t comm,
                      fcclStream_t stream);

/* Calls between fcclGroupStart and the matching fcclGroupEnd (groups nest) are only recorded;
 * the outermost fcclGroupEnd launches them together and reports any of their errors. */
fcclResult_t fcclGroupStart(void);
fcclResult_t fcclGroupEnd(void);

/* Streams come from the device plugin. A call given a stream returns once its work is queued;
 * the work runs in order on the stream. A failed call's error sticks to the stream (and breaks
 * its communicator, see fcclCommGetAsyncError). */
fcclResult_t fcclStreamCreate(fcclStream_t* stream);
/* Waits for the stream's queued work, then frees it. */
fcclResult_t fcclStreamDestroy(fcclStream_t stream);
/* Waits for the stream's queued work; returns the first error of that work, if any. */
fcclResult_t fcclStreamSynchronize(fcclStream_t stream);
/* fcclSuccess when the stream is idle, fcclInProgress while work is queued, or its first error. */
fcclResult_t fcclStreamQuery(fcclStream_t stream);

/* Memory peers on the scale-up fabric can map (the device's memAlloc). */
fcclResult_t fcclMemAlloc(void** ptr, size_t size);
fcclResult_t fcclMemFree(void* ptr);
/* Registers [buff, buff+size) with comm for use by its calls; returns a handle for
 * fcclCommDeregister. Registration is local to the rank. */
fcclResult_t fcclCommRegister(const fcclComm_t comm, void* buff, size_t size, void** handle);
fcclResult_t fcclCommDeregister(const fcclComm_t comm, void* handle);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* FCCL_FCCL_H_ */
