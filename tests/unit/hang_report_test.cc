// Rank 0's summary of a job-wide wait report: who waits in the latest operation, who never
// reached it, who did not answer.
#include "comm/hang_report.h"

#include <catch2/catch.hpp>
#include <string>

using namespace fccl;
using bootstrap::WaitReport;

namespace {

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

}  // namespace

TEST_CASE("the summary names the ranks behind and the ranks that did not answer", "[unit][comm]") {
  HangReport report(4);
  const auto t0 = HangReport::Clock::now();
  CHECK_FALSE(report.gathering());
  report.add(0, WaitReport{5, true, "allreduce #5 running, waiting at step 2"}, "rank 0 timed out", t0);
  report.add(2, WaitReport{4, false, "allreduce #4 returned"}, "ignored: the first reason stays", t0);
  report.add(3, WaitReport{5, true, "allreduce #5 running, waiting at step 1"}, "x", t0);
  CHECK(report.gathering());
  CHECK_FALSE(report.due(t0 + std::chrono::milliseconds(100), std::chrono::milliseconds(1500)));
  CHECK(report.due(t0 + std::chrono::milliseconds(1500), std::chrono::milliseconds(1500)));
  const std::string text = joined(report.summarize());
  CHECK_THAT(text, Catch::Contains("wait report of 4 rank(s), rank 0 timed out:"));
  CHECK_THAT(text, Catch::Contains("rank 1: no report"));
  CHECK_THAT(text, Catch::Contains("ranks waiting in operation #5: 0, 3"));
  CHECK_THAT(text, Catch::Contains("ranks that did not reach operation #5: 2"));
  CHECK_THAT(text, Catch::Contains("ranks that did not answer: 1"));
  CHECK_FALSE(report.gathering());  // summarize starts afresh
}

TEST_CASE("a report is due at once when every rank answered", "[unit][comm]") {
  HangReport report(2);
  const auto t0 = HangReport::Clock::now();
  report.add(0, WaitReport{0, false, "no operation yet"}, "SIGUSR1 on rank 1", t0);
  CHECK_FALSE(report.due(t0, std::chrono::seconds(10)));
  report.add(1, WaitReport{0, false, "no operation yet"}, "x", t0);
  report.add(7, WaitReport{9, true, "out of range: ignored"}, "x", t0);
  CHECK(report.due(t0, std::chrono::seconds(10)));
  const std::string text = joined(report.summarize());
  CHECK_THAT(text, !Catch::Contains("did not"));
  CHECK_THAT(text, !Catch::Contains("#9"));
}

TEST_CASE("every rank in the latest operation is reported as reaching it", "[unit][comm]") {
  HangReport report(2);
  const auto t0 = HangReport::Clock::now();
  report.add(0, WaitReport{3, true, "a"}, "why", t0);
  report.add(1, WaitReport{3, true, "b"}, "why", t0);
  CHECK_THAT(joined(report.summarize()), Catch::Contains("every rank that answered reached operation #3"));
}
