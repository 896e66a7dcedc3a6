#include "bootstrap/alarm_messages.h"

#include <cstring>

#include "bootstrap/bytes.h"

namespace fccl::bootstrap {
namespace {

Status malformed(const std::string& peer, const char* what, const std::string& why) {
  return Status(Code::kRemote, "malformed " + std::string(what) + " from " + peer + ": " + why);
}

void appendText(std::vector<std::byte>& out, const std::string& text) {
  const size_t n = std::min(text.size(), kMaxAlarmText);
  const size_t at = out.size();
  out.resize(at + n);
  if (n > 0) std::memcpy(out.data() + at, text.data(), n);
}

Expected<std::string> textAt(std::span<const std::byte> payload, size_t offset, const std::string& peer,
                             const char* what) {
  if (payload.size() < offset || payload.size() - offset > kMaxAlarmText)
    return malformed(peer, what, std::to_string(payload.size()) + " bytes");
  return std::string(reinterpret_cast<const char*>(payload.data()) + offset, payload.size() - offset);
}

}  // namespace

Expected<AlarmKind> alarmKind(uint32_t tag, const std::string& peer) {
  if (tag < static_cast<uint32_t>(AlarmKind::kFailure) || tag > static_cast<uint32_t>(AlarmKind::kReport))
    return malformed(peer, "alarm", "unknown kind " + std::to_string(tag));
  return static_cast<AlarmKind>(tag);
}

std::vector<std::byte> encodeFailure(const FailureAlarm& alarm) {
  std::vector<std::byte> out(8);
  putBe<uint32_t>(out, 0, alarm.origin);
  putBe<uint32_t>(out, 4, static_cast<uint32_t>(alarm.code));
  appendText(out, alarm.text);
  return out;
}

Expected<FailureAlarm> decodeFailure(std::span<const std::byte> payload, uint32_t nranks, const std::string& peer) {
  if (payload.size() < 8) return malformed(peer, "failure alarm", std::to_string(payload.size()) + " bytes");
  FailureAlarm alarm;
  alarm.origin = getBe<uint32_t>(payload, 0);
  if (alarm.origin >= nranks)
    return malformed(peer, "failure alarm",
                     "origin rank " + std::to_string(alarm.origin) + " >= nranks " + std::to_string(nranks));
  // Only codes that describe a failure are taken over: a peer cannot make this rank believe
  // that a failure is a success or still in progress.
  switch (static_cast<Code>(getBe<uint32_t>(payload, 4))) {
    case Code::kTimeout: alarm.code = Code::kTimeout; break;
    case Code::kAborted: alarm.code = Code::kAborted; break;
    case Code::kInvalidUsage: alarm.code = Code::kInvalidUsage; break;
    default: alarm.code = Code::kRemote; break;
  }
  FCCL_ASSIGN_OR_RETURN(alarm.text, textAt(payload, 8, peer, "failure alarm"));
  return alarm;
}

std::vector<std::byte> encodeDumpRequest(const std::string& reason) {
  std::vector<std::byte> out;
  appendText(out, reason);
  return out;
}

Expected<std::string> decodeDumpRequest(std::span<const std::byte> payload, const std::string& peer) {
  return textAt(payload, 0, peer, "dump request");
}

std::vector<std::byte> encodeReport(const WaitReport& report) {
  std::vector<std::byte> out(12);
  putBe<uint64_t>(out, 0, report.started);
  putBe<uint32_t>(out, 8, report.busy ? 1 : 0);
  appendText(out, report.text);
  return out;
}

Expected<WaitReport> decodeReport(std::span<const std::byte> payload, const std::string& peer) {
  if (payload.size() < 12) return malformed(peer, "wait report", std::to_string(payload.size()) + " bytes");
  WaitReport report;
  report.started = getBe<uint64_t>(payload, 0);
  const uint32_t busy = getBe<uint32_t>(payload, 8);
  if (busy > 1) return malformed(peer, "wait report", "busy flag " + std::to_string(busy));
  report.busy = busy == 1;
  FCCL_ASSIGN_OR_RETURN(report.text, textAt(payload, 12, peer, "wait report"));
  return report;
}

}  // namespace fccl::bootstrap
