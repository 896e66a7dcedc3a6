// Facts about fccl's data types and reduction ops: sizes, names, validity.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "fccl/fccl.h"

namespace fccl {

inline bool validType(int t) { return t >= 0 && t < fcclNumTypes; }
inline bool validOp(int op) { return op >= 0 && op < fcclNumOps; }

inline size_t typeSize(fcclDataType_t t) {
  switch (t) {
    case fcclInt8: case fcclUint8: case fcclFloat8e4m3: case fcclFloat8e5m2: return 1;
    case fcclFloat16: case fcclBfloat16: return 2;
    case fcclInt32: case fcclUint32: case fcclFloat32: return 4;
    case fcclInt64: case fcclUint64: case fcclFloat64: return 8;
    default: return 0;
  }
}

inline bool isFloatType(fcclDataType_t t) {
  return t == fcclFloat16 || t == fcclFloat32 || t == fcclFloat64 || t == fcclBfloat16 || t == fcclFloat8e4m3 ||
         t == fcclFloat8e5m2;
}

std::string_view typeName(fcclDataType_t t);  // "float", "half", "bfloat16", "int8", ...
std::string_view opName(fcclRedOp_t op);       // "sum", "prod", "max", "min", "avg"
std::optional<fcclDataType_t> parseType(std::string_view name);
std::optional<fcclRedOp_t> parseOp(std::string_view name);

}  // namespace fccl
