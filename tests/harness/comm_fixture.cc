#include "harness/comm_fixture.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <stdexcept>
#include <thread>

#include "harness/run_ranks.h"

namespace fccl::test {

std::string failure(const char* what, fcclResult_t result) {
  return std::string(what) + " failed: " + fcclGetErrorString(result) + ": " + fcclGetLastError(nullptr);
}

std::string expectResult(fcclResult_t got, fcclResult_t want, const char* what) {
  if (got == want) return "";
  return std::string(what) + " returned " + fcclGetErrorString(got) + ", expected " + fcclGetErrorString(want) +
         " (last error: " + fcclGetLastError(nullptr) + ")";
}

namespace {

// A process that made one id and serves its bootstrap root. The ranks are forked from the test
// process, so that process stays single-threaded: a fork of a threaded process hands the child
// only the forking thread, which ThreadSanitizer cannot follow once the child starts threads (as
// every rank does).
class RootHost {
 public:
  RootHost() = default;
  RootHost(const RootHost&) = delete;
  RootHost& operator=(const RootHost&) = delete;
  ~RootHost() { stop(); }

  fcclUniqueId start() {
    int idPipe[2];
    int lifePipe[2];
    if (pipe2(idPipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    if (pipe2(lifePipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) serve(idPipe, lifePipe);
    ::close(idPipe[1]);
    ::close(lifePipe[0]);
    pid_ = pid;
    life_ = lifePipe[1];
    const std::string reply = readAll(idPipe[0]);
    ::close(idPipe[0]);
    fcclUniqueId id;
    if (reply.size() != sizeof(id.internal) + 1 || reply[0] != 'i') {
      stop();
      throw std::runtime_error(reply.empty() ? "the root host died" : reply.substr(1));
    }
    std::memcpy(id.internal, reply.data() + 1, sizeof(id.internal));
    return id;
  }

 private:
  // Makes the id, hands it over, and keeps the root running until the test process closes the
  // life pipe (when it retires the host or exits; ranks forked meanwhile hold the pipe open too).
  [[noreturn]] static void serve(const int idPipe[2], const int lifePipe[2]) {
    ::close(idPipe[0]);
    ::close(lifePipe[1]);
    fcclUniqueId id;
    std::string reply;
    if (fcclResult_t r = fcclGetUniqueId(&id); r != fcclSuccess) {
      reply = "e" + failure("fcclGetUniqueId", r);
    } else {
      reply = "i";
      reply.append(id.internal, sizeof(id.internal));
    }
    writeAll(idPipe[1], reply);
    ::close(idPipe[1]);
    char byte;
    while (::read(lifePipe[0], &byte, 1) > 0) {
    }
    // Like a rank, it leaves without the test process's exit handlers (Catch2's among them).
    _exit(0);
  }

  void stop() {
    if (pid_ <= 0) return;
    ::close(life_);
    // The root finished its rendezvous long ago, or waits for ranks that never came. SIGKILL, not
    // SIGTERM: the host inherited the test process's signal handlers (Catch2's).
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  pid_t pid_ = -1;
  int life_ = -1;
};

}  // namespace

fcclUniqueId newUniqueId() {
  // A test may make several ids before it forks the ranks that use them, so every host lives until
  // the test process exits; only the oldest are retired, once there are more than a test uses.
  constexpr size_t kMaxHosts = 32;
  static std::deque<std::unique_ptr<RootHost>> hosts;
  if (hosts.size() >= kMaxHosts) hosts.pop_front();
  hosts.push_back(std::make_unique<RootHost>());
  return hosts.back()->start();
}

fcclComm_t initComm(const fcclUniqueId& id, int n, int rank, int timeoutMs, std::string* error) {
  fcclConfig_t config = FCCL_CONFIG_INITIALIZER;
  config.timeoutMs = timeoutMs;
  fcclComm_t comm = nullptr;
  fcclResult_t r = fcclCommInitRankConfig(&comm, n, id, rank, &config);
  if (r != fcclSuccess) *error = failure("fcclCommInitRankConfig", r);
  return comm;
}

fcclResult_t awaitReady(fcclComm_t comm, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  for (;;) {
    fcclResult_t state = fcclInProgress;
    if (fcclResult_t r = fcclCommGetAsyncError(comm, &state); r != fcclSuccess) return r;
    if (state != fcclInProgress || std::chrono::steady_clock::now() >= end) return state;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

void runOnComms(int n, const CommFn& fn, std::chrono::milliseconds deadline, int timeoutMs) {
  const fcclUniqueId id = newUniqueId();
  auto outcomes = runRanks(
      n,
      [&](int rank) -> std::string {
        std::string error;
        fcclComm_t comm = initComm(id, n, rank, timeoutMs, &error);
        if (!comm) return error;
        error = fn(comm, rank);
        if (!error.empty()) {
          fcclCommAbort(comm);
          return error;
        }
        FCCL_TEST_CALL(fcclCommDestroy(comm));
        return "";
      },
      deadline);
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

}  // namespace fccl::test
