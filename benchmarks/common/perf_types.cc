#include "perf_types.h"

namespace fccl::perf {
namespace {

template <class T>
struct Named {
  T value;
  std::string_view name;
};

// The first name of each value is the one printed; later ones are accepted aliases (nccl-tests
// spells fp8 as f8e4m3 / f8e5m2, its binaries as all_reduce_perf).
constexpr Named<Collective> kCollectives[] = {
    {Collective::kAllReduce, "allreduce"},          {Collective::kAllGather, "allgather"},
    {Collective::kReduceScatter, "reducescatter"},  {Collective::kAllToAll, "alltoall"},
    {Collective::kBroadcast, "broadcast"},          {Collective::kReduce, "reduce"},
    {Collective::kAllToAllv, "alltoallv"},          {Collective::kSendRecv, "sendrecv"},
    {Collective::kMoe, "moe"},
    {Collective::kAllReduce, "all_reduce"},         {Collective::kAllGather, "all_gather"},
    {Collective::kReduceScatter, "reduce_scatter"}, {Collective::kAllToAll, "all_to_all"},
    {Collective::kAllToAllv, "all_to_allv"},        {Collective::kSendRecv, "send_recv"},
};

constexpr Named<fcclDataType_t> kTypes[] = {
    {fcclInt8, "int8"},       {fcclUint8, "uint8"},       {fcclInt32, "int32"},        {fcclUint32, "uint32"},
    {fcclInt64, "int64"},     {fcclUint64, "uint64"},     {fcclFloat16, "half"},       {fcclFloat32, "float"},
    {fcclFloat64, "double"},  {fcclBfloat16, "bfloat16"}, {fcclFloat8e4m3, "fp8e4m3"}, {fcclFloat8e5m2, "fp8e5m2"},
    {fcclInt32, "int"},       {fcclFloat16, "float16"},   {fcclFloat16, "fp16"},       {fcclFloat32, "float32"},
    {fcclFloat64, "float64"}, {fcclBfloat16, "bf16"},     {fcclFloat8e4m3, "f8e4m3"},  {fcclFloat8e5m2, "f8e5m2"},
    {fcclInt8, "char"},
};

constexpr Named<fcclRedOp_t> kOps[] = {
    {fcclSum, "sum"}, {fcclProd, "prod"}, {fcclMax, "max"}, {fcclMin, "min"}, {fcclAvg, "avg"},
};

template <class T, size_t N>
std::string_view nameOf(const Named<T> (&table)[N], T value) {
  for (const auto& entry : table)
    if (entry.value == value) return entry.name;
  return "invalid";
}

template <class T, size_t N>
std::optional<T> parse(const Named<T> (&table)[N], std::string_view name) {
  for (const auto& entry : table)
    if (entry.name == name) return entry.value;
  return std::nullopt;
}

}  // namespace

std::string_view collectiveName(Collective c) { return nameOf(kCollectives, c); }
std::optional<Collective> parseCollective(std::string_view name) { return parse(kCollectives, name); }
bool hasReduction(Collective c) {
  return c == Collective::kAllReduce || c == Collective::kReduceScatter || c == Collective::kReduce;
}
bool hasRoot(Collective c) { return c == Collective::kBroadcast || c == Collective::kReduce; }

size_t typeSize(fcclDataType_t t) {
  switch (t) {
    case fcclInt8:
    case fcclUint8:
    case fcclFloat8e4m3:
    case fcclFloat8e5m2:
      return 1;
    case fcclFloat16:
    case fcclBfloat16:
      return 2;
    case fcclInt32:
    case fcclUint32:
    case fcclFloat32:
      return 4;
    case fcclInt64:
    case fcclUint64:
    case fcclFloat64:
      return 8;
    default:
      return 0;
  }
}

std::string_view typeName(fcclDataType_t t) { return nameOf(kTypes, t); }
std::optional<fcclDataType_t> parseType(std::string_view name) { return parse(kTypes, name); }
bool isFloatType(fcclDataType_t t) { return mantissaBits(t) > 0; }

int mantissaBits(fcclDataType_t t) {
  switch (t) {
    case fcclFloat16:
      return 10;
    case fcclBfloat16:
      return 7;
    case fcclFloat32:
      return 23;
    case fcclFloat64:
      return 52;
    case fcclFloat8e4m3:
      return 3;
    case fcclFloat8e5m2:
      return 2;
    default:
      return 0;
  }
}

std::string_view opName(fcclRedOp_t op) { return nameOf(kOps, op); }
std::optional<fcclRedOp_t> parseOp(std::string_view name) { return parse(kOps, name); }

}  // namespace fccl::perf
