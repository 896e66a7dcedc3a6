// Names and facts the perf tools print and parse: collectives, data types, reduction ops.
// The tools keep their own small tables (rather than linking fccl_common) so that the peer
// programs build and run without any of the library.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "fccl/fccl.h"

namespace fccl::perf {

enum class Collective {
  kAllReduce,
  kAllGather,
  kReduceScatter,
  kAllToAll,
  kBroadcast,
  kReduce,
  kAllToAllv,  // all-to-all with per-pair counts (-k skews them, see perf_sizes.h)
  kSendRecv,   // each rank sends to rank + 1 and receives from rank - 1, in one group
  kMoe         // MoE dispatch and combine (perf_moe.h): its own sweep and table
};

std::string_view collectiveName(Collective c);  // "allreduce", "allgather", ..., "alltoallv", "sendrecv", "moe"
std::optional<Collective> parseCollective(std::string_view name);
// Whether the collective takes a reduction op (the table prints "none" for the others).
bool hasReduction(Collective c);
// Whether the collective has a root rank (-r); the table prints -1 for the others.
bool hasRoot(Collective c);

size_t typeSize(fcclDataType_t t);
std::string_view typeName(fcclDataType_t t);  // "float", "half", "bfloat16", "fp8e4m3", ...
std::optional<fcclDataType_t> parseType(std::string_view name);
bool isFloatType(fcclDataType_t t);
// Explicit mantissa bits of a floating type (float: 23, half: 10, fp8e4m3: 3); 0 for integers.
int mantissaBits(fcclDataType_t t);

std::string_view opName(fcclRedOp_t op);  // "sum", "prod", "max", "min", "avg"
std::optional<fcclRedOp_t> parseOp(std::string_view name);

}  // namespace fccl::perf
