// Expected<T>: a value or the Status that explains why there is none. Factories of objects that
// can fail to build return one, so no half-built object ever exists.
#pragma once

#include <cassert>
#include <optional>
#include <utility>

#include "common/status.h"

namespace fccl {

template <class T>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Expected(Status status) : status_(std::move(status)) { assert(!status_.isOk()); }  // NOLINT

  bool isOk() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  Status takeStatus() && { return std::move(status_); }

  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T take() && { return std::move(*value_); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace fccl

// Binds the value of an Expected to `lhs`, or returns its Status from the enclosing function.
#define FCCL_CONCAT_INNER(a, b) a##b
#define FCCL_CONCAT(a, b) FCCL_CONCAT_INNER(a, b)
#define FCCL_ASSIGN_OR_RETURN(lhs, expr) FCCL_ASSIGN_OR_RETURN_IMPL(FCCL_CONCAT(e_, __LINE__), lhs, expr)
#define FCCL_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.isOk()) return std::move(tmp).takeStatus(); \
  lhs = std::move(tmp).take()
