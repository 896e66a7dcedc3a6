#include "common/dtype.h"

namespace fccl {
namespace {

struct TypeName {
  fcclDataType_t type;
  std::string_view name;
};
// The first name of each type is the one printed; the others are accepted aliases.
constexpr TypeName kTypeNames[] = {
    {fcclInt8, "int8"},       {fcclUint8, "uint8"},       {fcclInt32, "int32"},       {fcclUint32, "uint32"},
    {fcclInt64, "int64"},     {fcclUint64, "uint64"},     {fcclFloat16, "half"},      {fcclFloat32, "float"},
    {fcclFloat64, "double"},  {fcclBfloat16, "bfloat16"}, {fcclFloat8e4m3, "fp8e4m3"}, {fcclFloat8e5m2, "fp8e5m2"},
    {fcclInt32, "int"},       {fcclFloat16, "float16"},   {fcclFloat32, "float32"},   {fcclFloat64, "float64"},
    {fcclInt8, "char"},       {fcclBfloat16, "bf16"},     {fcclFloat16, "fp16"},      {fcclFloat8e4m3, "e4m3"},
    {fcclFloat8e5m2, "e5m2"},
};
constexpr std::string_view kOpNames[] = {"sum", "prod", "max", "min", "avg"};

}  // namespace

std::string_view typeName(fcclDataType_t t) {
  for (const auto& n : kTypeNames)
    if (n.type == t) return n.name;
  return "invalid";
}

std::string_view opName(fcclRedOp_t op) { return validOp(op) ? kOpNames[op] : "invalid"; }

std::optional<fcclDataType_t> parseType(std::string_view name) {
  for (const auto& n : kTypeNames)
    if (n.name == name) return n.type;
  return std::nullopt;
}

std::optional<fcclRedOp_t> parseOp(std::string_view name) {
  for (int i = 0; i < fcclNumOps; ++i)
    if (kOpNames[i] == name) return static_cast<fcclRedOp_t>(i);
  return std::nullopt;
}

}  // namespace fccl
