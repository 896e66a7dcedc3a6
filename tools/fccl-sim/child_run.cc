#include "tools/fccl-sim/child_run.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/unique_fd.h"

namespace fccl::sim {
namespace {

bool writeAll(int fd, const std::string& text) {
  for (size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

Expected<std::string> runInChild(const std::function<Expected<std::string>()>& fn) {
  int fds[2];
  if (::pipe(fds) != 0) return Status(Code::kSystem, std::string("pipe: ") + std::strerror(errno));
  UniqueFd readEnd(fds[0]), writeEnd(fds[1]);
  // What this process has buffered is its own: a child that flushed it would print it again.
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return Status(Code::kSystem, std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    readEnd.reset();
    Expected<std::string> result = fn();
    // 'R' and the text, or 'E' and the error; _exit: the parent's atexit work is not ours to run.
    const std::string message = result.isOk() ? "R" + *result : "E" + result.status().message();
    ::_exit(writeAll(writeEnd.get(), message) ? 0 : 1);
  }
  writeEnd.reset();
  std::string text;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(readEnd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (text.empty()) {
    const std::string how = WIFSIGNALED(status) ? "was killed by signal " + std::to_string(WTERMSIG(status))
                                                : "exited with status " + std::to_string(WEXITSTATUS(status));
    return Status(Code::kInternal, "the simulation process " + how + " without an answer");
  }
  if (text[0] == 'E') return Status(Code::kInvalidArgument, text.substr(1));
  return text.substr(1);
}

}  // namespace fccl::sim
