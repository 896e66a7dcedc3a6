// The plan of a collective on one rank: nothing to exchange, the input is the result.
#pragma once

#include <cstddef>
#include <string>

#include "algorithms/common/plan.h"

namespace fccl {

Plan localCopyPlan(std::string algorithm, size_t count, int channels);

}  // namespace fccl
