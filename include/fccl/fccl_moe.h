/* fccl MoE: the dispatch and combine of an expert-parallel mixture-of-experts layer over an fccl
 * communicator.
 *
 * Every rank holds numTokens tokens, rows of `hidden` elements of `datatype` (fcclFloat32,
 * fcclBfloat16 or fcclFloat16). Each token picks `topk` experts: expertIds[t * topk + k] is the
 * expert of slot k of token t, or -1 for a slot the router dropped. Experts live on ranks:
 * expertToRank[e] is the rank holding expert e, for e in [0, numExperts); the map, hidden, topk
 * and datatype must be the same on every rank. A rank's local experts are the experts mapped to
 * it, in increasing id order: local expert l is the l-th of them.
 *
 * fcclMoeDispatch sends one row per (token, slot) to the rank of its expert. There the rows
 * arrive packed by local expert: all rows of local expert 0, then those of local expert 1, ...;
 * within an expert, by source rank, then in the source's token (then slot) order. How many rows
 * each rank receives is exchanged inside the call: no host round trip is asked of the caller.
 * On return (on a stream: once the stream has run the call) recvExpertCounts[l] holds the rows
 * of local expert l, and *layout describes where every row came from.
 *
 * fcclMoeCombine takes the experts' outputs in that same packed layout (one row per received
 * row, same datatype), sends them back, and writes on each token's rank, in token order,
 *   out[t] = sum over slots k with expertIds[t * topk + k] != -1 of weights[t * topk + k] * row(t, k)
 * accumulated in float and rounded once to the datatype (a token whose slots were all dropped
 * gets zeros). weights NULL means every weight is 1.
 *
 * The layout belongs to the caller from dispatch until fcclMoeLayoutDestroy; combine may run any
 * number of times on it (on the communicator it came from, after its dispatch: the same stream,
 * or after synchronising). It holds a copy of the routing, of the map, and the staging rows of
 * this rank's own tokens (numTokens * topk rows at most). Destroying it while a combine that
 * uses it is still queued is safe: the queued work keeps what it needs.
 *
 * Capacity: recvTokens holds recvCapacity rows. When any rank would receive more rows than its
 * recvCapacity, every rank's call fails before a token moves (fcclInvalidArgument on the rank
 * whose buffer is short, fcclInvalidUsage on the others, each message naming that rank and the
 * rows it needs), *layout is NULL, the communicator stays usable, and recvExpertCounts still
 * holds this rank's counts so that the caller can size the buffer and call again. Rows are
 * never dropped silently.
 *
 * Both calls are collective over the communicator and take part in its call order like any
 * other; they may not be made inside fcclGroupStart/fcclGroupEnd. */
#ifndef FCCL_FCCL_MOE_H_
#define FCCL_FCCL_MOE_H_

#include "fccl/fccl.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

typedef struct fcclMoeLayout* fcclMoeLayout_t;

/* tokens: [numTokens x hidden]; expertIds: [numTokens x topk]; expertToRank: [numExperts];
 * recvTokens: [recvCapacity x hidden]; recvExpertCounts: one per local expert of this rank (may
 * be NULL). expertIds is read when the call runs (on a stream, when the stream gets to it). */
fcclResult_t fcclMoeDispatch(const void* tokens, const int32_t* expertIds, size_t numTokens, size_t hidden, int topk,
                             fcclDataType_t datatype, const int32_t* expertToRank, int numExperts, void* recvTokens,
                             size_t recvCapacity, size_t* recvExpertCounts, fcclMoeLayout_t* layout, fcclComm_t comm,
                             fcclStream_t stream);

/* expertOut: the received rows' outputs, [rows received x hidden]; weights: [numTokens x topk]
 * or NULL; out: [numTokens x hidden]. */
fcclResult_t fcclMoeCombine(const void* expertOut, const float* weights, void* out, fcclMoeLayout_t layout,
                            fcclComm_t comm, fcclStream_t stream);

/* Frees the layout (NULL: nothing). */
fcclResult_t fcclMoeLayoutDestroy(fcclMoeLayout_t layout);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* FCCL_FCCL_MOE_H_ */
