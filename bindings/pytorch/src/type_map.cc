#include "type_map.h"

#include <c10/util/Exception.h>

namespace fccl::pytorch {

std::optional<fcclDataType_t> fcclTypeOf(c10::ScalarType type) {
  switch (type) {
    case c10::kChar:
      return fcclInt8;
    case c10::kByte:
      return fcclUint8;
    case c10::kInt:
      return fcclInt32;
    case c10::kLong:
      return fcclInt64;
    case c10::kHalf:
      return fcclFloat16;
    case c10::kBFloat16:
      return fcclBfloat16;
    case c10::kFloat:
      return fcclFloat32;
    case c10::kDouble:
      return fcclFloat64;
    default:
      return std::nullopt;
  }
}

fcclDataType_t reductionType(const at::Tensor& tensor, const char* op) {
  const std::optional<fcclDataType_t> type = fcclTypeOf(tensor.scalar_type());
  TORCH_CHECK(type.has_value(), "fccl ", op, ": cannot reduce tensors of type ", tensor.scalar_type(),
              "; fccl reduces int8, uint8, int32, int64, float16, bfloat16, float32 and float64");
  return *type;
}

fcclRedOp_t reductionOp(const c10d::ReduceOp& op, const char* opName) {
  switch (op.op_) {
    case c10d::ReduceOp::SUM:
      return fcclSum;
    case c10d::ReduceOp::AVG:
      return fcclAvg;
    case c10d::ReduceOp::PRODUCT:
      return fcclProd;
    case c10d::ReduceOp::MIN:
      return fcclMin;
    case c10d::ReduceOp::MAX:
      return fcclMax;
    default:
      break;
  }
  TORCH_CHECK(false, "fccl ", opName, ": ReduceOp ", static_cast<int>(op.op_),
              " is not supported; fccl has SUM, AVG, PRODUCT, MIN and MAX (no bitwise ops, no PREMUL_SUM)");
}

WireType wireTypeOf(c10::ScalarType type) {
  if (const std::optional<fcclDataType_t> same = fcclTypeOf(type)) return {*same, 1};
  return {fcclUint8, c10::elementSize(type)};
}

}  // namespace fccl::pytorch
