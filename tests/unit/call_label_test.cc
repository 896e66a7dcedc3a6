// How calls are named in messages and wait reports, and that a label formats only when read:
// a copy made before (as the wait state keeps one per call) reads the same text.
#include <catch2/catch.hpp>

#include "runtime/call_label.h"

namespace fccl::test {

TEST_CASE("a collective's label names the collective, its number, count and type", "[unit][call_label]") {
  const CallLabel label(Collective::kAllReduce, 1024, fcclFloat32, 3);
  const CallLabel copy = label;  // before it was ever read
  CHECK(label.str() == "allreduce #3 (1024 x float)");
  CHECK(copy.str() == label.str());
  CHECK(std::string(label.c_str()) == label.str());
  const std::string& asString = label;
  CHECK(asString == label.str());
}

TEST_CASE("an all-to-allv's label has no count, a group's counts its sends and receives", "[unit][call_label]") {
  CHECK(CallLabel(Collective::kAllToAllv, 77, fcclBfloat16, 12).str() == "alltoallv #12 (bfloat16)");
  CHECK(CallLabel::pointToPoint(7, 2, 1).str() == "send/recv group #7 (2 send(s), 1 recv(s))");
  CHECK(CallLabel(std::string("moe dispatch #4: rows per expert")).str() == "moe dispatch #4: rows per expert");
  CHECK(CallLabel().str().empty());
}

}  // namespace fccl::test
