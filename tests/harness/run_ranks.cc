#include "harness/run_ranks.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <thread>

namespace fccl::test {

void writeAll(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

std::string readAll(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

Ranks::Ranks(int n, const RankFn& fn) : children_(static_cast<size_t>(n)) {
  fflush(stdout);
  fflush(stderr);
  for (int r = 0; r < n; ++r) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
      ::close(fds[0]);
      std::string error;
      try {
        error = fn(r);
      } catch (const std::exception& e) {
        error = std::string("exception: ") + e.what();
      } catch (...) {
        error = "unknown exception";
      }
      writeAll(fds[1], error);
      ::close(fds[1]);
      fflush(stdout);
      fflush(stderr);
      _exit(error.empty() ? 0 : 1);  // skips the parent's atexit handlers and Catch2's reporting
    }
    ::close(fds[1]);
    children_[static_cast<size_t>(r)].pid = pid;
    children_[static_cast<size_t>(r)].errorFd = fds[0];
    children_[static_cast<size_t>(r)].outcome.rank = r;
  }
}

Ranks::~Ranks() {
  for (auto& c : children_) {
    if (!c.reaped && c.pid > 0) {
      ::kill(c.pid, SIGKILL);
      waitpid(c.pid, nullptr, 0);
    }
    if (c.errorFd >= 0) ::close(c.errorFd);
  }
}

void Ranks::kill(int rank, int sig) {
  auto& c = children_.at(static_cast<size_t>(rank));
  if (!c.reaped) ::kill(c.pid, sig);
}

std::vector<RankOutcome> Ranks::wait(std::chrono::milliseconds deadline) {
  auto end = std::chrono::steady_clock::now() + deadline;
  size_t left = 0;
  for (auto& c : children_) left += c.reaped ? 0 : 1;
  while (left > 0) {
    for (auto& c : children_) {
      if (c.reaped) continue;
      int status = 0;
      // Never a blocking wait: a hung child must not keep us from the kill below.
      pid_t got = waitpid(c.pid, &status, WNOHANG);
      if (got <= 0) continue;
      c.reaped = true;
      --left;
      c.outcome.exited = WIFEXITED(status);
      c.outcome.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      c.outcome.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
      c.outcome.error = readAll(c.errorFd);
    }
    if (left > 0 && std::chrono::steady_clock::now() >= end) {
      for (auto& c : children_) {
        if (c.reaped) continue;
        c.outcome.hung = true;
        ::kill(c.pid, SIGKILL);
      }
      for (auto& c : children_) {
        if (c.reaped) continue;
        int status = 0;
        waitpid(c.pid, &status, 0);
        c.reaped = true;
        c.outcome.exited = false;
        c.outcome.signal = SIGKILL;
        c.outcome.error = readAll(c.errorFd);
      }
      left = 0;
    }
    if (left > 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  std::vector<RankOutcome> out;
  for (auto& c : children_) out.push_back(c.outcome);
  return out;
}

std::vector<RankOutcome> runRanks(int n, const RankFn& fn, std::chrono::milliseconds deadline) {
  Ranks ranks(n, fn);
  return ranks.wait(deadline);
}

bool allOk(const std::vector<RankOutcome>& outcomes) {
  for (const auto& o : outcomes)
    if (!o.ok()) return false;
  return true;
}

std::string describe(const std::vector<RankOutcome>& outcomes) {
  std::string out;
  for (const auto& o : outcomes) {
    out += "rank " + std::to_string(o.rank) + ": ";
    if (o.hung) out += "hung (killed at the deadline)";
    else if (!o.exited) out += "killed by signal " + std::to_string(o.signal);
    else out += "exit " + std::to_string(o.exitCode);
    if (!o.error.empty()) out += ": " + o.error;
    out += "\n";
  }
  return out;
}

}  // namespace fccl::test
