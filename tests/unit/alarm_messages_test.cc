// The alarm line's payloads: what goes out comes back, and what a peer could send wrong is
// refused with an error naming it, before any field is used.
#include "bootstrap/alarm_messages.h"

#include <catch2/catch.hpp>

using namespace fccl;
using namespace fccl::bootstrap;

TEST_CASE("failure alarms round-trip and refuse what a peer could get wrong", "[unit][bootstrap]") {
  const FailureAlarm sent{3, Code::kTimeout, "allreduce #7: timed out"};
  auto back = decodeFailure(encodeFailure(sent), 4, "rank 3");
  REQUIRE(back.isOk());
  CHECK(back->origin == 3);
  CHECK(back->code == Code::kTimeout);
  CHECK(back->text == sent.text);

  CHECK_THAT(decodeFailure(encodeFailure(sent), 3, "rank 3").status().message(), Catch::Contains("origin rank 3"));
  auto shortOne = encodeFailure(sent);
  shortOne.resize(7);
  CHECK(decodeFailure(shortOne, 4, "rank 3").status().code() == Code::kRemote);

  // A peer cannot turn a failure into a success or an init in progress.
  for (Code code : {Code::kOk, Code::kInProgress, Code::kInternal}) {
    auto decoded = decodeFailure(encodeFailure({0, code, "x"}), 4, "rank 0");
    REQUIRE(decoded.isOk());
    CHECK(decoded->code == Code::kRemote);
  }
  auto unknown = encodeFailure(sent);
  unknown[7] = std::byte{200};
  CHECK(decodeFailure(unknown, 4, "rank 3")->code == Code::kRemote);
}

TEST_CASE("alarm texts are bounded on both sides", "[unit][bootstrap]") {
  const std::string longText(3 * kMaxAlarmText, 'x');
  auto encoded = encodeFailure({0, Code::kRemote, longText});
  CHECK(encoded.size() == 8 + kMaxAlarmText);
  encoded.resize(encoded.size() + 1);  // one byte more than any encoder writes
  CHECK(decodeFailure(encoded, 1, "rank 0").status().code() == Code::kRemote);
  CHECK(decodeDumpRequest(std::vector<std::byte>(kMaxAlarmText + 1), "rank 0").status().code() == Code::kRemote);
  CHECK(*decodeDumpRequest(encodeDumpRequest("SIGUSR1 on rank 2"), "rank 2") == "SIGUSR1 on rank 2");
}

TEST_CASE("wait reports round-trip and refuse a bad busy flag", "[unit][bootstrap]") {
  const WaitReport sent{42, true, "allreduce #42 running, waiting at step 3"};
  auto back = decodeReport(encodeReport(sent), "rank 1");
  REQUIRE(back.isOk());
  CHECK(back->started == 42);
  CHECK(back->busy);
  CHECK(back->text == sent.text);
  auto bad = encodeReport(sent);
  bad[11] = std::byte{2};
  CHECK_THAT(decodeReport(bad, "rank 1").status().message(), Catch::Contains("busy flag"));
  CHECK(decodeReport(std::vector<std::byte>(11), "rank 1").status().code() == Code::kRemote);
}

TEST_CASE("alarm kinds outside the known ones are refused", "[unit][bootstrap]") {
  CHECK(alarmKind(1, "p").isOk());
  CHECK(alarmKind(3, "p").isOk());
  CHECK_FALSE(alarmKind(0, "p").isOk());
  CHECK_THAT(alarmKind(4, "rank 9").status().message(), Catch::Contains("rank 9"));
}
