// Rank 0's side of a job-wide wait report: the ranks' reports (what each last began, whether it
// still runs and where it waits) gathered for a short window, then one summary that names the
// ranks that never reached the operation the others wait in, and those that did not answer
// (dead, stopped or unreachable). A report that comes while none is being gathered opens one.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bootstrap/alarm_messages.h"

namespace fccl {

class HangReport {
 public:
  using Clock = std::chrono::steady_clock;

  explicit HangReport(int nranks) : reports_(static_cast<size_t>(nranks)) {}

  // The latest report of `rank` (out-of-range ranks are ignored); `why` says what started the
  // gathering and is kept from the first report of a round.
  void add(int rank, const bootstrap::WaitReport& report, const std::string& why, Clock::time_point now);
  bool gathering() const { return opened_.has_value(); }
  // Every rank reported, or `window` passed since the first report.
  bool due(Clock::time_point now, std::chrono::milliseconds window) const;
  // The summary, one line per entry, and a fresh start.
  std::vector<std::string> summarize();

 private:
  std::vector<std::optional<bootstrap::WaitReport>> reports_;
  std::optional<Clock::time_point> opened_;
  std::string why_;
};

}  // namespace fccl
