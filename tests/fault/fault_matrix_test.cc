// The fault matrix: each fault with 4 ranks, on shared memory and on the scale-out net
// (FCCL_TRANSPORT=scaleout). Every surviving rank must return an error, with the expected code
// and a message naming a rank, within the timeout + 2 s of the fault (detection times come from
// CLOCK_MONOTONIC, which all processes share); must then be able to build a new communicator
// and run a checked all-reduce on it; and nothing may be left in /dev/shm. Each case prints its
// line of the matrix: fault, backend, per survivor the code and the milliseconds it took.
#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harness/comm_fixture.h"
#include "harness/rank_log.h"
#include "harness/rank_signal.h"
#include "harness/run_ranks.h"
#include "harness/time_bounds.h"

namespace fccl::test {
namespace {

constexpr int kRanks = 4;
constexpr int kVictim = 2;
constexpr int kTimeoutMs = 5000;
const int64_t kBoundMs = kTimeoutMs + slackMs(2000);
constexpr size_t kCount = 1 << 16;

enum class Fault { kKillBefore, kKillDuring, kKillAfter, kStop, kOtherCollective, kExitWithoutDestroy };

const char* faultName(Fault f) {
  switch (f) {
    case Fault::kKillBefore: return "SIGKILL before the first collective";
    case Fault::kKillDuring: return "SIGKILL during collectives";
    case Fault::kKillAfter: return "SIGKILL after a collective";
    case Fault::kStop: return "SIGSTOP during collectives";
    case Fault::kOtherCollective: return "one rank calls another collective";
    case Fault::kExitWithoutDestroy: return "one rank exits without destroying its comm";
  }
  return "?";
}

const char* resultName(fcclResult_t r) {
  switch (r) {
    case fcclRemoteError: return "fcclRemoteError";
    case fcclTimeout: return "fcclTimeout";
    case fcclInvalidUsage: return "fcclInvalidUsage";
    case fcclSystemError: return "fcclSystemError";
    case fcclSuccess: return "fcclSuccess";
    default: return fcclGetErrorString(r);
  }
}

int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int threadCount() {
  int n = 0;
  if (DIR* d = ::opendir("/proc/self/task")) {
    while (dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
    ::closedir(d);
  }
  return n;
}

std::set<std::string> shmEntries() {
  std::set<std::string> out;
  if (DIR* d = ::opendir("/dev/shm")) {
    while (dirent* e = ::readdir(d))
      if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") out.insert(e->d_name);
    ::closedir(d);
  }
  return out;
}

// An all-reduce whose result every rank checks: "" or what is wrong.
std::string checkedAllReduce(fcclComm_t comm, int rank, int n) {
  std::vector<float> buf(kCount, static_cast<float>(rank + 1));
  FCCL_TEST_CALL(fcclAllReduce(buf.data(), buf.data(), buf.size(), fcclFloat32, fcclSum, comm, nullptr));
  const float want = static_cast<float>(n * (n + 1) / 2);
  for (size_t i = 0; i < buf.size(); ++i)
    if (buf[i] != want) return "element " + std::to_string(i) + " is " + std::to_string(buf[i]);
  return "";
}

bool expectedCode(Fault f, fcclResult_t r) {
  switch (f) {
    case Fault::kStop: return r == fcclTimeout || r == fcclRemoteError;
    case Fault::kOtherCollective: return r == fcclInvalidUsage || r == fcclRemoteError || r == fcclTimeout;
    default: return r == fcclRemoteError;
  }
}

struct Signals {
  RankSignal ready;     // a rank finished its warm-up (n raises)
  RankSignal underWay;  // rank 0 is in the middle of its loop of collectives
  RankSignal go;        // the fault is in: the survivors may call (n - 1 raises)
  RankSignal exiting;   // the victim is about to exit
  RankSignal victimGo;  // every rank is through the warm-up: the victim may exit
};

// What a rank does. Survivors write "error <rank> <result> <ns>" when their call fails.
std::string rankMain(int rank, Fault fault, const char* transport, const fcclUniqueId& id, const fcclUniqueId& again,
                     Signals& sig, const RankLog& log) {
  // "nvls" is no transport: the ranks run the multicast algorithms on the scale-up fabric.
  if (transport && std::string(transport) == "nvls") setenv("FCCL_ALGO", "nvls,nvls_oneshot", 1);
  else if (transport) setenv("FCCL_TRANSPORT", transport, 1);
  // A sanitizer's runtime starts a helper thread of its own with the first thread created, and
  // keeps it: one thread made and joined first puts it in the count before the comm exists.
  std::thread([] {}).join();
  const int threadsBefore = threadCount();
  std::string error;
  fcclComm_t comm = initComm(id, kRanks, rank, kTimeoutMs, &error);
  if (!comm) return error;
  const bool victim = rank == kVictim;
  if (fault != Fault::kKillBefore) {
    if (std::string e = checkedAllReduce(comm, rank, kRanks); !e.empty()) return "warm-up: " + e;
  }
  sig.ready.raise();
  if (victim && fault == Fault::kExitWithoutDestroy) {
    // Not before every rank is through the warm-up: data still on its way out would go with it.
    if (!sig.victimGo.await(std::chrono::seconds(60))) return "no go from the test";
    log.write("inject " + std::to_string(nowNs()));
    sig.exiting.raise();
    _exit(0);
  }
  const bool waitForFault =
      fault == Fault::kKillBefore || fault == Fault::kKillAfter || fault == Fault::kExitWithoutDestroy;
  if (waitForFault && !sig.go.await(std::chrono::seconds(60))) return "no go from the test";

  std::vector<float> in(kCount, 1.0f), out(kCount * kRanks);
  std::vector<float> big(fault == Fault::kKillDuring ? size_t{4} << 20 : 0, 1.0f), bigOut(big.size());
  fcclResult_t r = fcclSuccess;
  int64_t start = nowNs();
  for (int iter = 0; r == fcclSuccess; ++iter) {
    if (iter == 2 && rank == 0) sig.underWay.raise();
    if (iter > 100000) return "the collectives never failed";
    start = nowNs();
    if (fault == Fault::kKillDuring && iter % 2 == 1) {  // every pair sends both ways, as MoE layers do
      // Large enough that chunks are still in flight between survivors when they stop.
      r = fcclAllToAll(big.data(), bigOut.data(), big.size() / kRanks, fcclFloat32, comm, nullptr);
    } else if (fault == Fault::kOtherCollective && iter == 1) {
      if (victim) r = fcclAllGather(in.data(), out.data(), kCount, fcclFloat32, comm, nullptr);
      else r = fcclAllReduce(in.data(), in.data(), kCount, fcclFloat32, fcclSum, comm, nullptr);
    } else {
      r = fcclAllReduce(in.data(), in.data(), kCount, fcclFloat32, fcclSum, comm, nullptr);
    }
  }
  const int64_t failedAt = nowNs();
  const std::string text = fcclGetLastError(comm);
  fcclResult_t state = fcclSuccess;
  fcclCommGetAsyncError(comm, &state);
  const auto abortStart = std::chrono::steady_clock::now();
  FCCL_TEST_CALL(fcclCommAbort(comm));
  const auto abortMs =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - abortStart).count();
  if (abortMs > slackMs(1000)) return "fcclCommAbort took " + std::to_string(abortMs) + " ms";
  log.write("error " + std::to_string(rank) + " " + std::to_string(static_cast<int>(r)) + " " +
            std::to_string(failedAt) + " " + std::to_string(start));
  if (!expectedCode(fault, r)) return std::string("unexpected ") + fcclGetErrorString(r) + ": " + text;
  if (state == fcclSuccess) return "the failed call left no async error";
  if (text.find("rank") == std::string::npos) return "the error does not name a rank: " + text;

  // The process goes on: a new communicator of the ranks still there works.
  const bool victimGone = fault != Fault::kOtherCollective;
  const int n = victimGone ? kRanks - 1 : kRanks;
  const int newRank = victimGone && rank > kVictim ? rank - 1 : rank;
  fcclComm_t next = initComm(again, n, newRank, 20000, &error);
  if (!next) return "a new communicator after the fault: " + error;
  if (std::string e = checkedAllReduce(next, newRank, n); !e.empty()) return "after the fault: " + e;
  FCCL_TEST_CALL(fcclCommDestroy(next));
  // Nothing the communicators started is left running (or spinning) once they are gone.
  for (int i = 0; threadCount() > threadsBefore && i < 100; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (threadCount() > threadsBefore)
    return std::to_string(threadCount() - threadsBefore) + " thread(s) left after abort and destroy";
  return "";
}

void runFault(Fault fault, const char* backend, const char* transport) {
  const auto shmBefore = shmEntries();
  const fcclUniqueId id = newUniqueId(), again = newUniqueId();
  Signals sig;
  RankLog log;
  Ranks ranks(kRanks, [&](int rank) { return rankMain(rank, fault, transport, id, again, sig, log); });

  int64_t injectedNs = 0;
  auto inject = [&](int signal) {
    injectedNs = nowNs();
    ranks.kill(kVictim, signal);
  };
  switch (fault) {
    case Fault::kKillBefore:
    case Fault::kKillAfter:
      for (int i = 0; i < kRanks; ++i) REQUIRE(sig.ready.await(std::chrono::seconds(60)));
      inject(SIGKILL);
      for (int i = 0; i < kRanks - 1; ++i) sig.go.raise();
      break;
    case Fault::kKillDuring:
      REQUIRE(sig.underWay.await(std::chrono::seconds(60)));
      inject(SIGKILL);
      break;
    case Fault::kStop:
      REQUIRE(sig.underWay.await(std::chrono::seconds(60)));
      inject(SIGSTOP);
      break;
    case Fault::kExitWithoutDestroy:
      for (int i = 0; i < kRanks; ++i) REQUIRE(sig.ready.await(std::chrono::seconds(60)));
      sig.victimGo.raise();
      REQUIRE(sig.exiting.await(std::chrono::seconds(60)));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      for (int i = 0; i < kRanks - 1; ++i) sig.go.raise();
      break;
    case Fault::kOtherCollective:
      break;
  }
  // The stopped rank is waited for by the others; once they are done it has nothing to say.
  const size_t survivors = fault == Fault::kOtherCollective ? kRanks : kRanks - 1;
  if (fault == Fault::kStop) {
    log.read(survivors, std::chrono::milliseconds(kBoundMs + 30000));
    ranks.kill(kVictim, SIGKILL);
  }
  const auto outcomes = ranks.wait(std::chrono::seconds(90));
  INFO(describe(outcomes));
  for (const auto& o : outcomes) {
    if (o.rank != kVictim || fault == Fault::kOtherCollective) CHECK(o.ok());
    else if (fault == Fault::kExitWithoutDestroy) CHECK((o.exited && o.exitCode == 0));
    else CHECK(o.signal == SIGKILL);
  }

  std::ostringstream line;
  line << "fault matrix | " << faultName(fault) << " | " << backend << " |";
  size_t errors = 0;
  for (const std::string& l : log.read()) {
    std::istringstream in(l);
    std::string kind;
    in >> kind;
    if (kind == "inject") in >> injectedNs;
  }
  for (const std::string& l : log.read()) {
    std::istringstream in(l);
    std::string kind;
    int rank = -1, result = 0;
    int64_t failedAt = 0, callStart = 0;
    in >> kind;
    if (kind != "error") continue;
    in >> rank >> result >> failedAt >> callStart;
    ++errors;
    // A fault the test injected counts from then; a mismatched call from the call itself.
    const int64_t ms = (failedAt - (fault == Fault::kOtherCollective ? callStart : injectedNs)) / 1000000;
    line << " rank " << rank << ": " << resultName(static_cast<fcclResult_t>(result)) << " " << ms << " ms;";
    CHECK(ms <= kBoundMs);
  }
  CHECK(errors == survivors);
  std::printf("%s\n", line.str().c_str());
  std::fflush(stdout);

  std::set<std::string> left;
  for (const std::string& e : shmEntries())
    if (!shmBefore.count(e)) left.insert(e);
  INFO("new in /dev/shm: " << left.size() << (left.empty() ? "" : " (" + *left.begin() + ", ...)"));
  CHECK(left.empty());
}

}  // namespace

TEST_CASE("fault matrix: SIGKILL before the first collective", "[fault][matrix]") {
  SECTION("shared memory") { runFault(Fault::kKillBefore, "shm", nullptr); }
  SECTION("scale-out net") { runFault(Fault::kKillBefore, "scaleout", "scaleout"); }
  SECTION("multicast object (NVLS)") { runFault(Fault::kKillBefore, "nvls", "nvls"); }
}

TEST_CASE("fault matrix: SIGKILL during collectives", "[fault][matrix]") {
  SECTION("shared memory") { runFault(Fault::kKillDuring, "shm", nullptr); }
  SECTION("scale-out net") { runFault(Fault::kKillDuring, "scaleout", "scaleout"); }
  SECTION("multicast object (NVLS)") { runFault(Fault::kKillDuring, "nvls", "nvls"); }
}

TEST_CASE("fault matrix: SIGKILL after a collective", "[fault][matrix]") {
  SECTION("shared memory") { runFault(Fault::kKillAfter, "shm", nullptr); }
  SECTION("scale-out net") { runFault(Fault::kKillAfter, "scaleout", "scaleout"); }
  SECTION("multicast object (NVLS)") { runFault(Fault::kKillAfter, "nvls", "nvls"); }
}

TEST_CASE("fault matrix: SIGSTOP during collectives times out instead of hanging", "[fault][matrix]") {
  SECTION("shared memory") { runFault(Fault::kStop, "shm", nullptr); }
  SECTION("scale-out net") { runFault(Fault::kStop, "scaleout", "scaleout"); }
  SECTION("multicast object (NVLS)") { runFault(Fault::kStop, "nvls", "nvls"); }
}

TEST_CASE("fault matrix: a rank that calls another collective", "[fault][matrix]") {
  SECTION("shared memory") { runFault(Fault::kOtherCollective, "shm", nullptr); }
  SECTION("scale-out net") { runFault(Fault::kOtherCollective, "scaleout", "scaleout"); }
  SECTION("multicast object (NVLS)") { runFault(Fault::kOtherCollective, "nvls", "nvls"); }
}

TEST_CASE("fault matrix: a rank that exits without destroying its comm", "[fault][matrix]") {
  SECTION("shared memory") { runFault(Fault::kExitWithoutDestroy, "shm", nullptr); }
  SECTION("scale-out net") { runFault(Fault::kExitWithoutDestroy, "scaleout", "scaleout"); }
  SECTION("multicast object (NVLS)") { runFault(Fault::kExitWithoutDestroy, "nvls", "nvls"); }
}

}  // namespace fccl::test
