// Which host a rank runs on. Two ranks are on one host when they share a kernel, a boot and a
// network namespace: an emulated host (a netns) is then a host of its own, as it must be for
// tests of multi-host paths on one machine. FCCL_HOST_ID overrides the whole computation.
#pragma once

#include <cstdint>
#include <string>

namespace fccl {

struct HostIdentity {
  uint64_t hash = 0;
  std::string description;  // "myhost/boot 1a2b.../netns 4026531840" or "FCCL_HOST_ID=x"
};

HostIdentity localHostIdentity();
// The kernel identity: same boot and same PID namespace, i.e. whether shared memory (our model
// of the scale-up fabric) can join two ranks at all, whatever hosts or domains they claim.
uint64_t localKernelIdentity();

}  // namespace fccl
