// Fail fast and wait reports, over the communicator's alarm line (bootstrap/alarm_line.h).
//
// A rank whose own operation fails (timeout, dead peer, bad message) or that is aborted tells
// every peer at once; a peer stops what it runs and reports kRemote naming that rank and the
// cause, instead of waiting out its own timeout. On a timeout (FCCL_DUMP_ON_TIMEOUT, on by
// default) and on SIGUSR1 (FCCL_DUMP_SIGNAL) every rank also logs what it waits for and
// reports it to rank 0, which prints one summary naming the ranks that did not reach the
// operation the others wait in.
#include <chrono>
#include <string>
#include <thread>

#include "comm/communicator.h"
#include "common/dump_signal.h"
#include "common/log.h"

namespace fccl {
namespace {

// A report gathering ends when every rank answered, or after this long.
constexpr std::chrono::milliseconds kReportWindow{1500};
// Several ranks asking at once (SIGUSR1 sent to the whole job) make one report, not n.
constexpr std::chrono::milliseconds kReportSpacing{500};
// How long a departing rank 0 waits for the reports still on their way.
constexpr std::chrono::milliseconds kFlushWait{500};

}  // namespace

Status Communicator::startAlarmLine() {
  if (options_.dumpOnSignal) installDumpSignal();
  signalsSeen_ = dumpSignalCount();
  bootstrap::AlarmLine::Handlers handlers;
  handlers.onFailure = [this](int sender, const bootstrap::FailureAlarm& alarm) { onPeerFailure(sender, alarm); };
  handlers.onDumpRequest = [this](int sender, const std::string& reason) { onDumpRequest(sender, reason); };
  handlers.onReport = [this](int sender, const bootstrap::WaitReport& report) {
    onReport(sender, report, "gathered by rank 0");
  };
  handlers.onTick = [this] { onAlarmTick(); };
  FCCL_ASSIGN_OR_RETURN(alarmLine_, bootstrap::AlarmLine::start(bootstrap_->listenAddress(), bootstrap_->secret(),
                                                                rank_, nranks_, std::move(handlers)));
  return Status::ok();
}

Communicator::Endpoints Communicator::endpoints() const {
  Endpoints out;
  if (bootstrap_) out.bootstrap = bootstrap_->listenAddress();
  if (alarmLine_) {
    out.alarm = bootstrap_->listenAddress();
    out.alarm.setPort(alarmLine_->port());
  }
  return out;
}

void Communicator::raiseAlarm(const Status& error) {
  if (!alarmLine_ || alarmed_.exchange(true)) return;
  {
    std::lock_guard lock(stateMutex_);
    if (peerFailed_) return;
  }
  FCCL_WARN(Subsys::kInit, "rank %d: telling every peer: %s", rank_, error.message().c_str());
  const bootstrap::FailureAlarm alarm{static_cast<uint32_t>(rank_), error.code(), error.message()};
  alarmLine_->broadcast(bootstrap::AlarmKind::kFailure, bootstrap::encodeFailure(alarm));
  if (error.code() == Code::kTimeout && options_.dumpOnTimeout)
    reportWaitState("rank " + std::to_string(rank_) + " timed out");
}

Status Communicator::explainHalt(Status s) {
  if (s.code() != Code::kAborted || abort_.load()) return s;
  std::lock_guard lock(stateMutex_);
  return peerFailed_ ? state_ : s;
}

void Communicator::onPeerFailure(int sender, const bootstrap::FailureAlarm& alarm) {
  const int origin = static_cast<int>(alarm.origin);
  std::string text = "rank " + std::to_string(origin) + " failed";
  if (sender != origin) text += " (as rank " + std::to_string(sender) + " reports)";
  text += ": " + alarm.text;
  bool first = false;
  {
    std::lock_guard lock(stateMutex_);
    if (state_.isOk() || state_.code() == Code::kInProgress) {
      state_ = Status(Code::kRemote, text);
      healthy_ = false;
      peerFailed_ = true;
      first = true;
    }
  }
  if (first) FCCL_WARN(Subsys::kInit, "rank %d: %s", rank_, text.c_str());
  // Where this rank waits is worth knowing before the halt ends the wait.
  if (first && alarm.code == Code::kTimeout && options_.dumpOnTimeout)
    reportWaitState("rank " + std::to_string(origin) + " timed out");
  halt_ = true;
  std::lock_guard lock(turnMutex_);
  turnChanged_.notify_all();
}

void Communicator::onDumpRequest(int sender, const std::string& reason) {
  reportWaitState("rank " + std::to_string(sender) + " asked (" + reason + ")");
}

void Communicator::onReport(int sender, const bootstrap::WaitReport& report, const std::string& why) {
  if (rank_ != 0) return;  // reports go to rank 0 only; anything else is a confused peer
  std::lock_guard lock(reportMutex_);
  hangReport_.add(sender, report, why, std::chrono::steady_clock::now());
}

void Communicator::onAlarmTick() {
  const uint64_t signals = dumpSignalCount();
  if (options_.dumpOnSignal && signals != signalsSeen_) {
    signalsSeen_ = signals;
    const std::string why = "SIGUSR1 on rank " + std::to_string(rank_);
    alarmLine_->broadcast(bootstrap::AlarmKind::kDumpRequest, bootstrap::encodeDumpRequest(why));
    reportWaitState(why);
  }
  if (rank_ != 0) return;
  std::lock_guard lock(reportMutex_);
  if (!hangReport_.due(std::chrono::steady_clock::now(), kReportWindow)) return;
  for (const std::string& line : hangReport_.summarize()) FCCL_REPORT(Subsys::kInit, "%s", line.c_str());
}

void Communicator::flushHangReport() {
  if (rank_ != 0) return;
  // The peers' reports follow the alarm within milliseconds; an application that aborts right
  // after the timeout would otherwise never see the summary.
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    {
      std::lock_guard lock(reportMutex_);
      if (!hangReport_.gathering()) return;
      const auto now = std::chrono::steady_clock::now();
      if (hangReport_.due(now, kReportWindow) || now - start >= kFlushWait) {
        for (const std::string& line : hangReport_.summarize()) FCCL_REPORT(Subsys::kInit, "%s", line.c_str());
        return;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void Communicator::reportWaitState(const std::string& why) {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(reportMutex_);
    if (now - lastReport_ < kReportSpacing) return;
    lastReport_ = now;
  }
  const WaitState::Snapshot snap = waitState_.snapshot();
  const std::string text = waitState_.describe();
  FCCL_REPORT(Subsys::kInit, "rank %d wait state (%s): %s", rank_, why.c_str(), text.c_str());
  const bootstrap::WaitReport report{snap.seq, snap.busy, text};
  if (rank_ == 0) onReport(0, report, why);
  else if (alarmLine_) alarmLine_->send(0, bootstrap::AlarmKind::kReport, bootstrap::encodeReport(report));
}

}  // namespace fccl
