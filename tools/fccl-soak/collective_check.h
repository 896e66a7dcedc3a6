// One collective of a soak round: what it is (drawn at random, the same on every rank because
// every rank draws from the same seed), and running it on one rank with fresh buffers, then
// checking every element this rank received against a reference it computes itself.
//
// Reductions take their inputs from tests/harness/reference.h: small integers, chosen so that a
// reduction over up to 8 ranks is exact in every type and op (fp8 included), so a result either
// matches or is wrong. Collectives that only move data (gather, broadcast, all-to-all, send/recv)
// carry a pattern hashed from the op, the sending rank and the byte offset, so a block that lands
// in the wrong place or comes from the wrong rank shows up as well as a corrupt byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>

#include "fccl/fccl.h"

namespace fccl::soak {

enum class Collective { kAllReduce, kAllGather, kReduceScatter, kBroadcast, kReduce, kAllToAll, kSendRecv };

struct OpSpec {
  Collective collective = Collective::kAllReduce;
  fcclDataType_t type = fcclFloat32;
  fcclRedOp_t op = fcclSum;  // reductions only
  size_t count = 0;          // as the API takes it: per rank for gather, scatter and all-to-all
  int root = 0;              // broadcast, reduce
  int shift = 1;             // send/recv: every rank sends to rank + shift, receives from rank - shift
  bool inPlace = false;
  bool onStream = false;     // queued on a stream, then synchronized; else the NULL stream
  uint64_t salt = 0;         // makes this op's data differ from the op before
};

// A random op for `nranks` ranks. Buffers stay within a few MiB per rank.
OpSpec randomOp(std::mt19937_64& rng, int nranks);

// "allgather bf16 count=1000 in-place stream" and the like, for messages.
std::string describe(const OpSpec& spec);

struct OpOutcome {
  fcclResult_t result = fcclSuccess;  // of the call, or of the stream synchronize after it
  size_t bytesChecked = 0;            // bytes of this rank's output compared with the reference
  size_t wrongElements = 0;
  std::string firstWrong;             // "element 7 is 3, expected 4"
};

// Runs `spec` on `rank` of `comm` (on `stream` when spec.onStream) and checks what arrived.
// Nothing is checked when the call fails.
OpOutcome runAndCheck(const OpSpec& spec, fcclComm_t comm, fcclStream_t stream, int rank, int nranks);

}  // namespace fccl::soak
