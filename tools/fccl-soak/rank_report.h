// What a rank tells the driver, over a pipe made before the fork: fixed-size records, each
// written with one write() of less than PIPE_BUF bytes, so a record arrives whole or not at all
// even when the rank is killed in the middle of writing.
#pragma once

#include <limits.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>

namespace fccl::soak {

struct RankReport {
  enum class Kind : uint32_t {
    kReady,      // the communicator is up; collectives start now
    kProgress,   // one more collective finished and was checked (counters below are totals)
    kDataError,  // a collective returned success with wrong data (text: which and where)
    kFailed,     // a call returned an error (result, text); the rank aborts and exits
    kDone,       // every collective of the round succeeded; the rank destroyed its communicator
  };
  Kind kind = Kind::kReady;
  int32_t result = 0;       // kFailed: the fcclResult_t of the call that failed
  int32_t asyncResult = 0;  // kFailed: fcclCommGetAsyncError then (fcclInProgress: no communicator)
  uint64_t operations = 0;
  uint64_t bytesChecked = 0;
  char text[448] = {};

  void setText(const std::string& s) {
    const size_t n = s.size() < sizeof(text) - 1 ? s.size() : sizeof(text) - 1;
    std::memcpy(text, s.data(), n);
    text[n] = '\0';
  }
};
static_assert(sizeof(RankReport) < PIPE_BUF, "a report must be written atomically");

// Writes one report; a driver that went away is not the rank's problem.
inline void sendReport(int fd, const RankReport& report) { (void)!::write(fd, &report, sizeof(report)); }

}  // namespace fccl::soak
