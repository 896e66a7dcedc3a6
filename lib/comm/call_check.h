// FCCL_CHECK=1: before a call moves a byte, the ranks compare what each of them was asked to
// do, so that mismatched calls fail on every rank with the same message naming the rank that
// differs, instead of corrupting data or waiting for the timeout. Costs one all-gather per call
// (two for exchanges), hence off by default.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "algorithms/common/plan.h"
#include "bootstrap/bootstrap.h"
#include "common/status.h"

namespace fccl {

// What every rank's call must agree on. For exchanges (all-to-all(v), send/recv) the sizes
// differ per pair by design; agreeOnTraffic checks those.
struct CallSignature {
  uint32_t kind;  // a Collective, or kPointToPointKind
  int32_t type;
  int32_t op;     // -1 where the call has none
  int32_t root;   // -1 where the call has none
  uint64_t count;
  uint64_t seq;
};
constexpr uint32_t kPointToPointKind = 0xff;
constexpr uint32_t kMoeDispatchKind = 0xfe;
constexpr uint32_t kMoeCombineKind = 0xfd;

std::string describeSignature(const CallSignature& s);

Status agreeOnCall(Bootstrap& bootstrap, int rank, int nranks, const CallSignature& mine);

// Every rank derives from its plan what it sends to and receives from each peer (number of
// messages, bytes, and the sequence of sizes); rank i's sends to j must be j's receives from i.
Status agreeOnTraffic(Bootstrap& bootstrap, int rank, int nranks, const Plan& plan, size_t elemBytes,
                      const std::string& what);

}  // namespace fccl
