// The shipped topologies with link figures make the machines fccl-sim simulates: ranks, domains,
// NICs on their rails and leaves, the hierarchy, and the tuner's figures taken from the file.
#include <catch2/catch.hpp>

#include <string>

#include "tools/fccl-sim/machine.h"

#ifndef FCCL_TOPOLOGIES_DIR
#error "FCCL_TOPOLOGIES_DIR must name the shipped topologies"
#endif

namespace fccl::test {

TEST_CASE("nvl72-efa is 64 racks of 72 ranks with a NIC each on 72 rails of 2 leaves", "[unit][sim]") {
  auto file = loadTopologyFile(FCCL_TOPOLOGIES_DIR "/nvl72-efa.json");
  REQUIRE(file.isOk());
  auto machine = sim::Machine::make(*file, 4608);
  REQUIRE(machine.isOk());
  CHECK(machine->domains() == 64);
  CHECK(machine->nics().size() == 4608);
  CHECK(machine->leaves() == 144);  // 72 rails of 64 NICs, 32 per leaf
  CHECK(machine->hasHierarchy());
  CHECK(machine->site(73).domain == 1);
  CHECK(machine->site(73).localIndex == 1);
  CHECK(machine->nics()[static_cast<size_t>(machine->site(73).nic)].rail == 1);
  CHECK(machine->nics()[static_cast<size_t>(machine->site(4607).nic)].rail == 71);
  CHECK(machine->nics()[static_cast<size_t>(machine->site(4607).nic)].GBps == 50);  // 400 Gbit/s
  CHECK(machine->fabricOf(0, 71, "") == Fabric::kScaleUp);
  CHECK(machine->fabricOf(0, 72, "") == Fabric::kScaleOut);
  const CostParams p = machine->costParams();
  CHECK(p.scaleUp[static_cast<int>(Proto::kSimple)].gbps == 900);
  CHECK(p.scaleOut.gbps == 50);
  const TopoShape shape = machine->shape(false, 4);
  CHECK(shape.domains == 64);
  CHECK(shape.ranksPerDomain == 72);
  CHECK(shape.ringScaleOut);
  // A job on its first 576 ranks is 8 racks.
  auto part = sim::Machine::make(*file, 576);
  REQUIRE(part.isOk());
  CHECK(part->domains() == 8);
}

TEST_CASE("the torus topology fills every domain's 4 x 4 torus, and a job that does not is refused", "[unit][sim]") {
  auto file = loadTopologyFile(FCCL_TOPOLOGIES_DIR "/trn2-torus-16.json");
  REQUIRE(file.isOk());
  REQUIRE(file->fabric);
  CHECK(file->fabric->scaleUp.shape == ScaleUpShape::kTorus);
  auto machine = sim::Machine::make(*file, 128);
  REQUIRE(machine.isOk());
  CHECK(machine->domains() == 8);
  auto partial = sim::Machine::make(*file, 24);
  REQUIRE_FALSE(partial.isOk());
  CHECK(partial.status().message().find("does not fill the 16 places of its torus") != std::string::npos);
}

TEST_CASE("a topology without link figures, or with too few ranks, is refused naming the file", "[unit][sim]") {
  auto plain = loadTopologyFile(FCCL_TOPOLOGIES_DIR "/1host-8.json");
  REQUIRE(plain.isOk());
  auto machine = sim::Machine::make(*plain, 8);
  REQUIRE_FALSE(machine.isOk());
  CHECK(machine.status().message().find("1host-8.json: fabric: missing") != std::string::npos);
  auto file = loadTopologyFile(FCCL_TOPOLOGIES_DIR "/trn2-torus-16.json");
  REQUIRE(file.isOk());
  auto big = sim::Machine::make(*file, 129);
  REQUIRE_FALSE(big.isOk());
  CHECK(big.status().message().find("describes 128 ranks, the job has 129") != std::string::npos);
}

}  // namespace fccl::test
