// A rank's scale-up domain: FCCL_SCALEUP_DOMAIN, else the device plugin's fabric id, else the
// host; equal names give equal identities on every rank.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "topology/domain_identity.h"

namespace fccl::test {

TEST_CASE("the scale-up domain comes from the environment, else the device's fabric, else the host",
          "[unit][topology]") {
  const HostIdentity host{42, "h"};
  unsetenv("FCCL_SCALEUP_DOMAIN");
  const DomainIdentity byHost = localDomainIdentity(host);
  CHECK(byHost.name.rfind("host ", 0) == 0);
  CHECK(localDomainIdentity(HostIdentity{43, "g"}).hash != byHost.hash);

  const DomainIdentity byFabric = localDomainIdentity(host, "clique-7");
  CHECK(byFabric.name == "device fabric clique-7");
  CHECK(byFabric.hash == localDomainIdentity(HostIdentity{43, "g"}, "clique-7").hash);  // spans hosts
  CHECK(byFabric.hash != byHost.hash);

  setenv("FCCL_SCALEUP_DOMAIN", "rack3", 1);
  const DomainIdentity byEnv = localDomainIdentity(host, "clique-7");
  CHECK(byEnv.name == "FCCL_SCALEUP_DOMAIN=rack3");
  CHECK(byEnv.hash == localDomainIdentity(HostIdentity{43, "g"}).hash);
  unsetenv("FCCL_SCALEUP_DOMAIN");
  CHECK(localKernelIdentity() == localKernelIdentity());
}

}  // namespace fccl::test
