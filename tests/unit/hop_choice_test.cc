// The per-hop choice of fabric: scale-up inside a scale-up domain whose ranks share a kernel
// (one host, or hosts of one domain on one machine), scale-out between domains or kernels, and
// FCCL_TRANSPORT's forcing, with a reason that names the peer and the domain.
#include <catch2/catch.hpp>

#include "topology/hop_choice.h"

namespace fccl::test {
namespace {

RankPlace place(uint64_t host, uint64_t domain, uint64_t kernel = 1) {
  std::string hostName = "h", domainName = "d";
  hostName += std::to_string(host);
  domainName += std::to_string(domain);
  return RankPlace{host, domain, kernel, hostName, domainName};
}

}  // namespace

TEST_CASE("a hop inside one host is scale-up", "[unit][topology]") {
  auto hop = chooseHop(place(1, 1), place(1, 1), 3, "");
  REQUIRE(hop.isOk());
  CHECK(hop->fabric == Fabric::kScaleUp);
  CHECK(hop->reason == "scale-up: same host, peer memory is mappable");
}

TEST_CASE("a hop between hosts of one scale-up domain is scale-up, between domains scale-out", "[unit][topology]") {
  auto inDomain = chooseHop(place(1, 7), place(2, 7), 5, "");
  REQUIRE(inDomain.isOk());
  CHECK(inDomain->fabric == Fabric::kScaleUp);
  CHECK(inDomain->reason.find("rank 5 is on host h2 in this rank's scale-up domain (d7)") != std::string::npos);
  auto across = chooseHop(place(1, 7), place(3, 8), 6, "");
  REQUIRE(across.isOk());
  CHECK(across->fabric == Fabric::kScaleOut);
  CHECK(across->reason == "scale-out: rank 6 is on host h3, outside this rank's scale-up domain (d7)");
}

TEST_CASE("one domain on two kernels cannot share memory: scale-out, and forcing scale-up is an error",
          "[unit][topology]") {
  auto hop = chooseHop(place(1, 7, 1), place(2, 7, 2), 4, "");
  REQUIRE(hop.isOk());
  CHECK(hop->fabric == Fabric::kScaleOut);
  CHECK(hop->reason.find("not this kernel") != std::string::npos);
  auto forced = chooseHop(place(1, 7, 1), place(2, 7, 2), 4, "scaleup");
  REQUIRE_FALSE(forced.isOk());
  CHECK(forced.status().code() == Code::kInvalidUsage);
  CHECK(forced.status().message().find("rank 4") != std::string::npos);
}

TEST_CASE("FCCL_TRANSPORT forces every hop it can", "[unit][topology]") {
  auto out = chooseHop(place(1, 1), place(1, 1), 1, "scaleout");
  REQUIRE(out.isOk());
  CHECK(out->fabric == Fabric::kScaleOut);
  CHECK(out->reason == "scale-out: forced by FCCL_TRANSPORT=scaleout");
  auto up = chooseHop(place(1, 7), place(2, 7), 1, "scaleup");
  REQUIRE(up.isOk());
  CHECK(up->fabric == Fabric::kScaleUp);
  auto refused = chooseHop(place(1, 7), place(2, 8), 2, "scaleup");
  REQUIRE_FALSE(refused.isOk());
  CHECK(refused.status().message().find("outside this rank's scale-up domain") != std::string::npos);
}

}  // namespace fccl::test
