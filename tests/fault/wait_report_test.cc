// Hang diagnosis: a job whose rank 1 does not come to an all-reduce. On SIGUSR1 to any rank,
// and on a timeout, every rank logs what it waits for and rank 0 prints one summary that names
// rank 1 as the rank that did not reach the operation. A SIGUSR1 changes nothing else: once
// rank 1 comes, the all-reduce completes.
#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/log.h"
#include "harness/comm_fixture.h"
#include "harness/rank_signal.h"
#include "harness/run_ranks.h"

namespace fccl::test {
namespace {

constexpr int kRanks = 3;
constexpr int kLate = 1;

// Every rank logs to a file of its own in a fresh directory.
std::string logDirectory() {
  char pattern[] = "/tmp/fccl-wait-report-XXXXXX";
  REQUIRE(::mkdtemp(pattern) != nullptr);
  return pattern;
}

void logTo(const std::string& dir) {
  setenv("FCCL_DEBUG", "WARN", 1);
  setenv("FCCL_DEBUG_FILE", (dir + "/rank.%p").c_str(), 1);
  reloadLogConfig();
}

std::string allLogs(const std::string& dir) {
  std::string out;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] == '.') continue;
      std::ifstream in(dir + "/" + e->d_name);
      std::stringstream text;
      text << in.rdbuf();
      out += text.str();
    }
    ::closedir(d);
  }
  return out;
}

bool awaitLog(const std::string& dir, const std::string& part, std::chrono::seconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (allLogs(dir).find(part) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void removeDirectory(const std::string& dir) {
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') ::unlink((dir + "/" + e->d_name).c_str());
    ::closedir(d);
  }
  ::rmdir(dir.c_str());
}

}  // namespace

TEST_CASE("SIGUSR1 makes rank 0 print who did not reach the operation, and the job goes on", "[fault][hang]") {
  const std::string dir = logDirectory();
  const fcclUniqueId id = newUniqueId();
  RankSignal waiting, comeNow;
  Ranks ranks(kRanks, [&](int rank) -> std::string {
    logTo(dir);
    std::string error;
    fcclComm_t comm = initComm(id, kRanks, rank, 60000, &error);
    if (!comm) return error;
    std::vector<float> buf(1024, 1.0f);
    FCCL_TEST_CALL(fcclAllReduce(buf.data(), buf.data(), buf.size(), fcclFloat32, fcclSum, comm, nullptr));
    if (rank == kLate) {
      if (!comeNow.await(std::chrono::seconds(60))) return "never told to come";
    } else {
      waiting.raise();
    }
    FCCL_TEST_CALL(fcclAllReduce(buf.data(), buf.data(), buf.size(), fcclFloat32, fcclSum, comm, nullptr));
    for (float v : buf)
      if (v != 9.0f) return "all-reduce gave " + std::to_string(v);
    FCCL_TEST_CALL(fcclCommDestroy(comm));
    return "";
  });
  REQUIRE(waiting.await(std::chrono::seconds(60)));
  REQUIRE(waiting.await(std::chrono::seconds(60)));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // into the wait, past its spinning
  ranks.kill(2, SIGUSR1);
  const bool summarized = awaitLog(dir, "ranks that did not reach operation #2: 1", std::chrono::seconds(20));
  comeNow.raise();
  const auto outcomes = ranks.wait(std::chrono::seconds(60));
  const std::string logs = allLogs(dir);
  INFO(logs);
  CHECK(summarized);
  CHECK_THAT(logs, Catch::Contains("wait report of 3 rank(s), rank 2 asked (SIGUSR1 on rank 2)"));
  CHECK_THAT(logs, Catch::Contains("rank 0: allreduce #2 (1024 x float) running, waiting at channel 0"));
  CHECK_THAT(logs, Catch::Contains("rank 1: allreduce #1 (1024 x float) returned"));
  CHECK_THAT(logs, Catch::Contains("ranks waiting in operation #2: 0, 2"));
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
  removeDirectory(dir);
}

TEST_CASE("a timeout makes rank 0 print who did not reach the operation", "[fault][hang]") {
  const std::string dir = logDirectory();
  const fcclUniqueId id = newUniqueId();
  RankSignal done;
  Ranks ranks(kRanks, [&](int rank) -> std::string {
    logTo(dir);
    std::string error;
    fcclComm_t comm = initComm(id, kRanks, rank, 2000, &error);
    if (!comm) return error;
    std::vector<float> buf(1024, 1.0f);
    FCCL_TEST_CALL(fcclAllReduce(buf.data(), buf.data(), buf.size(), fcclFloat32, fcclSum, comm, nullptr));
    if (rank == kLate) {  // alive, but never calls again
      done.await(std::chrono::seconds(60));
      fcclCommAbort(comm);
      return "";
    }
    const fcclResult_t r = fcclAllReduce(buf.data(), buf.data(), buf.size(), fcclFloat32, fcclSum, comm, nullptr);
    fcclCommAbort(comm);
    if (r != fcclTimeout && r != fcclRemoteError) return std::string("the all-reduce gave ") + fcclGetErrorString(r);
    return "";
  });
  const bool summarized = awaitLog(dir, "ranks that did not reach operation #2: 1", std::chrono::seconds(30));
  done.raise();
  const auto outcomes = ranks.wait(std::chrono::seconds(60));
  const std::string logs = allLogs(dir);
  INFO(logs);
  CHECK(summarized);
  CHECK_THAT(logs, Catch::Contains("timed out"));
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
  removeDirectory(dir);
}

}  // namespace fccl::test
