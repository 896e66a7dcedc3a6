#include "tools/fccl-soak/round_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <optional>

#include "fccl/fccl.h"
#include "tools/fccl-soak/rank_program.h"
#include "tools/fccl-soak/rank_report.h"

namespace fccl::soak {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kInitSlack{10000};     // beyond the timeout, for forking and loading
constexpr milliseconds kDetectSlack{2000};    // a fault must surface within timeout + this
constexpr milliseconds kQuietForHang{5000};   // beyond the timeout, nothing happening at all
constexpr milliseconds kExitSlack{3000};      // from a rank's last report to its exit
constexpr milliseconds kPollStep{20};

struct Rank {
  pid_t pid = -1;
  int fd = -1;
  bool ready = false;
  bool finished = false;  // sent kFailed or kDone
  bool failed = false;
  bool reaped = false;
  Clock::time_point finishedAt{};
  RankReport last;        // the latest counters
  std::string failure;    // kFailed's text
  int asyncResult = fcclSuccess;
};

class Round {
 public:
  Round(const RoundPlan& plan, const RoundOptions& options)
      : plan_(plan), timeout_(options.timeoutMs), logFd_(options.rankLogFd) {}
  RoundResult run();

 private:
  bool start();
  void forkRank(int r, const fcclUniqueId& id);
  void pumpOnce();
  template <class Done>
  bool pumpUntil(Clock::time_point deadline, Done done);
  void drain(int r);
  void handle(int r, const RankReport& report);
  void reap(int r, int status);
  bool awaitFaultPoint();
  void injectFault();
  void judgeDetection(Clock::time_point window);
  void windDown();
  void problem(int r, const std::string& text);
  std::string hangPlace(const Rank& rank) const;
  bool survivor(int r) const { return !injected_ || r != plan_.victim; }

  const RoundPlan plan_;
  const milliseconds timeout_;
  const int logFd_;
  std::vector<Rank> ranks_;
  RoundResult result_;
  bool injected_ = false;
  Clock::time_point faultAt_{};
  std::optional<Clock::time_point> killDue_;  // SIGKILL for a stopped victim
  Clock::time_point lastActivity_ = Clock::now();
};

bool Round::start() {
  fcclUniqueId id;
  if (fcclResult_t r = fcclGetUniqueId(&id); r != fcclSuccess) {
    result_.problems.push_back(std::string("fcclGetUniqueId: ") + fcclGetErrorString(r) + ": " + fcclGetLastError(nullptr));
    ++result_.unexpectedFailures;
    return false;
  }
  ranks_.resize(static_cast<size_t>(plan_.nranks));
  for (int r = 0; r < plan_.nranks; ++r) forkRank(r, id);
  return true;
}

void Round::forkRank(int r, const fcclUniqueId& id) {
  Rank& rank = ranks_[static_cast<size_t>(r)];
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    rank.reaped = rank.finished = true;  // never started: nothing to wait for
    problem(r, std::string("pipe: ") + std::strerror(errno));
    ++result_.unexpectedFailures;
    return;
  }
  const pid_t pid = fork();
  if (pid == 0) {
    // Only this rank's write end stays open here: a pipe whose write end a sibling holds
    // would never show the driver that its rank is gone.
    for (int other = 0; other < r; ++other) close(ranks_[static_cast<size_t>(other)].fd);
    close(fds[0]);
    if (logFd_ >= 0) dup2(logFd_, STDERR_FILENO);
    runRank(plan_, id, r, static_cast<int>(timeout_.count()), fds[1]);
  }
  close(fds[1]);
  if (pid < 0) {
    close(fds[0]);
    rank.reaped = rank.finished = true;
    problem(r, std::string("fork: ") + std::strerror(errno));
    ++result_.unexpectedFailures;
    return;
  }
  fcntl(fds[0], F_SETFL, O_NONBLOCK);
  rank.pid = pid;
  rank.fd = fds[0];
}

void Round::problem(int r, const std::string& text) {
  result_.problems.push_back("rank " + std::to_string(r) + " (pid " + std::to_string(ranks_[static_cast<size_t>(r)].pid) +
                             "): " + text);
}

// Where a rank that the driver has to kill was stuck, from what it said last.
std::string Round::hangPlace(const Rank& rank) const {
  if (!rank.ready && !rank.finished) return "in fcclCommInitRankConfig";
  if (!rank.finished) return "in a collective after " + std::to_string(rank.last.operations) + " operations";
  if (rank.failed) return "in fcclCommAbort, after its call failed: " + rank.failure;
  return "exiting, after fcclCommDestroy returned";
}

void Round::handle(int r, const RankReport& report) {
  Rank& rank = ranks_[static_cast<size_t>(r)];
  lastActivity_ = Clock::now();
  rank.last.operations = report.operations;
  rank.last.bytesChecked = report.bytesChecked;
  switch (report.kind) {
    case RankReport::Kind::kReady: rank.ready = true; break;
    case RankReport::Kind::kProgress: break;
    case RankReport::Kind::kDataError:
      ++result_.dataErrors;
      problem(r, std::string("DATA ERROR: ") + report.text);
      break;
    case RankReport::Kind::kFailed:
    case RankReport::Kind::kDone:
      rank.finished = true;
      rank.finishedAt = lastActivity_;
      rank.failed = report.kind == RankReport::Kind::kFailed;
      rank.failure = report.text;
      rank.asyncResult = report.asyncResult;
      if (rank.failed && !injected_) {
        ++result_.unexpectedFailures;
        problem(r, std::string("failed with no fault injected: ") + report.text);
      }
      break;
  }
}

void Round::drain(int r) {
  Rank& rank = ranks_[static_cast<size_t>(r)];
  RankReport report;
  while (rank.fd >= 0) {
    const ssize_t n = read(rank.fd, &report, sizeof(report));
    if (n == static_cast<ssize_t>(sizeof(report))) {
      handle(r, report);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    close(rank.fd);  // end of file (or a torn record, which atomic writes rule out)
    rank.fd = -1;
  }
}

void Round::reap(int r, int status) {
  Rank& rank = ranks_[static_cast<size_t>(r)];
  drain(r);  // what it wrote before it went
  rank.reaped = true;
  lastActivity_ = Clock::now();
  if (rank.finished || (injected_ && r == plan_.victim)) return;
  ++result_.unexpectedFailures;
  problem(r, WIFSIGNALED(status) ? "died of signal " + std::to_string(WTERMSIG(status)) + " without a report"
                                 : "exited with " + std::to_string(WEXITSTATUS(status)) + " without a report");
}

void Round::pumpOnce() {
  std::vector<pollfd> fds;
  std::vector<int> owners;
  for (int r = 0; r < plan_.nranks; ++r)
    if (ranks_[static_cast<size_t>(r)].fd >= 0) {
      fds.push_back({ranks_[static_cast<size_t>(r)].fd, POLLIN, 0});
      owners.push_back(r);
    }
  poll(fds.data(), fds.size(), static_cast<int>(kPollStep.count()));
  for (size_t i = 0; i < fds.size(); ++i)
    if (fds[i].revents) drain(owners[i]);
  for (int r = 0; r < plan_.nranks; ++r) {
    Rank& rank = ranks_[static_cast<size_t>(r)];
    int status = 0;
    if (!rank.reaped && rank.pid > 0 && waitpid(rank.pid, &status, WNOHANG) == rank.pid) reap(r, status);
  }
  if (killDue_ && Clock::now() >= *killDue_) {
    kill(ranks_[static_cast<size_t>(plan_.victim)].pid, SIGKILL);
    killDue_.reset();
  }
}

template <class Done>
bool Round::pumpUntil(Clock::time_point deadline, Done done) {
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    pumpOnce();
  }
  return true;
}

// Waits for the plan's moment: a rank has finished faultAfterOps collectives, then faultAfterMs
// more. False when a rank finished (or died) first, or the collectives stopped coming.
bool Round::awaitFaultPoint() {
  const auto anyFinished = [&] {
    return std::any_of(ranks_.begin(), ranks_.end(), [](const Rank& r) { return r.finished || r.reaped; });
  };
  const auto reached = [&] {
    return anyFinished() || std::any_of(ranks_.begin(), ranks_.end(), [&](const Rank& r) {
             return r.last.operations >= static_cast<uint64_t>(plan_.faultAfterOps);
           });
  };
  if (!pumpUntil(Clock::now() + timeout_ + kInitSlack, reached) || anyFinished()) return false;
  return !pumpUntil(Clock::now() + milliseconds(plan_.faultAfterMs), anyFinished);
}

void Round::injectFault() {
  const pid_t victim = ranks_[static_cast<size_t>(plan_.victim)].pid;
  if (plan_.fault == Fault::kKill) {
    kill(victim, SIGKILL);
  } else {
    kill(victim, SIGSTOP);
    killDue_ = Clock::now() + milliseconds(plan_.stopForMs);
  }
  injected_ = true;
  faultAt_ = Clock::now();
  result_.faultInjected = true;
}

// Every survivor must have failed, with an async error, by `window`.
void Round::judgeDetection(Clock::time_point window) {
  bool detected = true;
  for (int r = 0; r < plan_.nranks; ++r) {
    const Rank& rank = ranks_[static_cast<size_t>(r)];
    if (!survivor(r)) continue;
    if (!rank.finished || rank.finishedAt > window) {
      detected = false;
      problem(r, "MISSED FAULT: no error within " + std::to_string((timeout_ + kDetectSlack).count()) + " ms");
    } else if (!rank.failed) {
      detected = false;
      problem(r, "MISSED FAULT: finished with success");
    } else if (rank.asyncResult == fcclSuccess) {
      detected = false;
      problem(r, "MISSED FAULT: the call failed but fcclCommGetAsyncError reports success: " + rank.failure);
    } else {
      result_.detectSeconds =
          std::max(result_.detectSeconds, std::chrono::duration<double>(rank.finishedAt - faultAt_).count());
    }
  }
  result_.faultDetected = detected;
}

// Waits for every rank to exit. A rank that said its last word (its call failed and it went on
// to fcclCommAbort, which must return within milliseconds, or it destroyed its communicator) and
// is still there after kExitSlack is hung; so is one that stays while nothing at all happens.
void Round::windDown() {
  for (;;) {
    const auto now = Clock::now();
    const bool quiet = !killDue_ && now - lastActivity_ > timeout_ + kQuietForHang;
    bool waiting = false;
    for (int r = 0; r < plan_.nranks; ++r) {
      Rank& rank = ranks_[static_cast<size_t>(r)];
      if (rank.reaped || rank.pid <= 0) continue;
      if (!quiet && !(rank.finished && now - rank.finishedAt > kExitSlack)) {
        waiting = true;
        continue;
      }
      kill(rank.pid, SIGKILL);
      int status = 0;
      waitpid(rank.pid, &status, 0);
      rank.reaped = true;
      ++result_.hungRanks;
      problem(r, "HANG " + hangPlace(rank));
    }
    if (!waiting) break;
    pumpOnce();
  }
  for (Rank& rank : ranks_)
    if (rank.fd >= 0) close(rank.fd);
}

RoundResult Round::run() {
  if (start()) {
    auto allReady = [&] {
      return std::all_of(ranks_.begin(), ranks_.end(), [](const Rank& r) { return r.ready || r.finished; });
    };
    pumpUntil(Clock::now() + timeout_ + kInitSlack, allReady);
    const bool everyoneReady = std::all_of(ranks_.begin(), ranks_.end(), [](const Rank& r) { return r.ready; });
    if (plan_.fault != Fault::kNone && everyoneReady && awaitFaultPoint()) {
      injectFault();
      const auto window = faultAt_ + timeout_ + kDetectSlack;
      pumpUntil(window, [&] {
        for (int r = 0; r < plan_.nranks; ++r)
          if (survivor(r) && !ranks_[static_cast<size_t>(r)].finished) return false;
        return true;
      });
      judgeDetection(window);
    }
    windDown();
  }
  for (const Rank& rank : ranks_) {
    result_.operations = std::max<uint64_t>(result_.operations, rank.last.operations);
    result_.bytesChecked += rank.last.bytesChecked;
  }
  return result_;
}

}  // namespace

RoundResult runRound(const RoundPlan& plan, const RoundOptions& options) { return Round(plan, options).run(); }

}  // namespace fccl::soak
