// Payloads of the alarm line (bootstrap/alarm_line.h), the channel on which ranks tell each other
// that something went wrong, outside the operation that is stuck. The message's tag says which
// kind it is; each decoder checks the exact layout and every field before building anything.
//
//   kFailure:     origin u32 | code u32 | text     (the first rank that failed, and why)
//   kDumpRequest: text                             (why a job-wide dump of wait states is asked)
//   kReport:      started u64 | busy u32 | text    (the sender's last operation, and where it waits)
//
// Texts are UTF-8, at most kMaxAlarmText bytes (longer ones are cut when encoded).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/expected.h"

namespace fccl::bootstrap {

constexpr size_t kMaxAlarmText = 4096;

enum class AlarmKind : uint32_t { kFailure = 1, kDumpRequest = 2, kReport = 3 };

// A known kind, or kRemote naming `peer`.
Expected<AlarmKind> alarmKind(uint32_t tag, const std::string& peer);

struct FailureAlarm {
  uint32_t origin = 0;  // the rank whose own operation failed first
  Code code = Code::kRemote;
  std::string text;
};

struct WaitReport {
  uint64_t started = 0;  // sequence number of the last operation the sender began (0: none yet)
  bool busy = false;     // whether that operation was still running
  std::string text;      // what it is, and what it waits for
};

std::vector<std::byte> encodeFailure(const FailureAlarm& alarm);
// Checks origin < nranks; a code that is not a failure (ok, in progress, unknown) becomes kRemote.
Expected<FailureAlarm> decodeFailure(std::span<const std::byte> payload, uint32_t nranks, const std::string& peer);

std::vector<std::byte> encodeDumpRequest(const std::string& reason);
Expected<std::string> decodeDumpRequest(std::span<const std::byte> payload, const std::string& peer);

std::vector<std::byte> encodeReport(const WaitReport& report);
Expected<WaitReport> decodeReport(std::span<const std::byte> payload, const std::string& peer);

}  // namespace fccl::bootstrap
