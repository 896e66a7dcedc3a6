// Ranks are real processes. runRanks(n, fn) forks n children, runs fn(rank) in each and collects
// how each ended: fn returns "" for success or a text that says what went wrong. Every run has a
// deadline; a child still running then is killed and reported as hung, so no test can hang.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace fccl::test {

struct RankOutcome {
  int rank = -1;
  bool exited = false;  // false: killed by a signal (see `signal`)
  int exitCode = -1;
  int signal = 0;
  bool hung = false;    // still running at the deadline, killed by the harness
  std::string error;    // what fn returned, when it failed
  bool ok() const { return exited && exitCode == 0 && error.empty() && !hung; }
};

using RankFn = std::function<std::string(int rank)>;

class Ranks {
 public:
  Ranks(int n, const RankFn& fn);
  ~Ranks();  // kills and reaps any child still running
  Ranks(const Ranks&) = delete;
  Ranks& operator=(const Ranks&) = delete;

  int size() const { return static_cast<int>(children_.size()); }
  void kill(int rank, int sig);
  std::vector<RankOutcome> wait(std::chrono::milliseconds deadline);

 private:
  struct Child {
    pid_t pid = -1;
    int errorFd = -1;
    bool reaped = false;
    RankOutcome outcome;
  };
  std::vector<Child> children_;
};

std::vector<RankOutcome> runRanks(int n, const RankFn& fn,
                                  std::chrono::milliseconds deadline = std::chrono::seconds(300));
bool allOk(const std::vector<RankOutcome>& outcomes);

// Pipe helpers of the harness: the whole text, written or read until the other end closes.
void writeAll(int fd, const std::string& text);
std::string readAll(int fd);
// One line per rank: "rank 2: exit 1: allreduce float sum n=5: element 7 is 3, expected 4".
std::string describe(const std::vector<RankOutcome>& outcomes);

}  // namespace fccl::test
