// fcclCommSplit: ranks of one color form a communicator ranked by key (then by parent rank),
// FCCL_SPLIT_NOCOLOR gives NULL, splits nest, a non-blocking split is polled to readiness, a bad
// color fails on every rank instead of hanging, and parent and child outlive each other.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "harness/comm_fixture.h"
#include "harness/run_ranks.h"

namespace fccl::test {
namespace {

// Every wait of a rank is bounded by the communicator's 20 s timeout; a run as a whole by this.
constexpr std::chrono::seconds kDeadline(60);

// Checks `comm` has `size` ranks, this one at `rank`, and that an all-gather of the parent
// ranks gives `members` (parent ranks in child rank order) and an all-reduce sums them.
std::string checkChild(fcclComm_t comm, const std::vector<int>& members, int parentRank, const std::string& what) {
  const int size = static_cast<int>(members.size());
  int count = -1, rank = -1;
  FCCL_TEST_CALL(fcclCommCount(comm, &count));
  FCCL_TEST_CALL(fcclCommUserRank(comm, &rank));
  if (count != size) return what + ": fcclCommCount is " + std::to_string(count) + ", expected " + std::to_string(size);
  int want = -1;
  for (int i = 0; i < size; ++i)
    if (members[static_cast<size_t>(i)] == parentRank) want = i;
  if (rank != want)
    return what + ": parent rank " + std::to_string(parentRank) + " has child rank " + std::to_string(rank) +
           ", expected " + std::to_string(want);
  std::vector<int32_t> gathered(static_cast<size_t>(size), -1);
  const int32_t mine = parentRank;
  FCCL_TEST_CALL(fcclAllGather(&mine, gathered.data(), 1, fcclInt32, comm, nullptr));
  for (int i = 0; i < size; ++i)
    if (gathered[static_cast<size_t>(i)] != members[static_cast<size_t>(i)])
      return what + ": child rank " + std::to_string(i) + " is parent rank " +
             std::to_string(gathered[static_cast<size_t>(i)]) + ", expected " +
             std::to_string(members[static_cast<size_t>(i)]);
  std::vector<int64_t> x(1000, parentRank + 1), sum(1000, -1);
  int64_t total = 0;
  for (int m : members) total += m + 1;
  FCCL_TEST_CALL(fcclAllReduce(x.data(), sum.data(), x.size(), fcclInt64, fcclSum, comm, nullptr));
  for (int64_t s : sum)
    if (s != total) return what + ": allreduce gave " + std::to_string(s) + ", expected " + std::to_string(total);
  return "";
}

std::string parentWorks(fcclComm_t parent, int rank, int n, const std::string& when) {
  int32_t v = rank + 1, sum = 0;
  FCCL_TEST_CALL(fcclAllReduce(&v, &sum, 1, fcclInt32, fcclSum, parent, nullptr));
  if (sum != n * (n + 1) / 2) return "parent allreduce " + when + " gave " + std::to_string(sum);
  return "";
}

}  // namespace

TEST_CASE("split by parity with reversed keys ranks each child in reverse", "[integration][split]") {
  const int n = 6;
  runOnComms(
      n,
      [&](fcclComm_t parent, int rank) -> std::string {
        fcclComm_t child = nullptr;
        FCCL_TEST_CALL(fcclCommSplit(parent, rank % 2, -rank, &child, nullptr));
        if (!child) return "split gave NULL for a real color";
        std::vector<int> members;  // the same parity, highest parent rank first
        for (int r = n - 1; r >= 0; --r)
          if (r % 2 == rank % 2) members.push_back(r);
        if (std::string e = checkChild(child, members, rank, "parity child"); !e.empty()) return e;
        FCCL_TEST_CALL(fcclCommDestroy(child));
        return "";
      },
      kDeadline);
}

TEST_CASE("FCCL_SPLIT_NOCOLOR gives NULL, equal keys keep the parent's order", "[integration][split]") {
  const int n = 6;
  runOnComms(
      n,
      [&](fcclComm_t parent, int rank) -> std::string {
        const bool out = rank == 1 || rank == 4;
        fcclComm_t child = reinterpret_cast<fcclComm_t>(&child);  // must be overwritten
        FCCL_TEST_CALL(fcclCommSplit(parent, out ? FCCL_SPLIT_NOCOLOR : 3, 0, &child, nullptr));
        if (out) {
          if (child != nullptr) return "FCCL_SPLIT_NOCOLOR gave a communicator";
        } else {
          if (std::string e = checkChild(child, {0, 2, 3, 5}, rank, "child of 4"); !e.empty()) return e;
          FCCL_TEST_CALL(fcclCommDestroy(child));
        }
        return parentWorks(parent, rank, n, "after a split with NOCOLOR ranks");
      },
      kDeadline);
}

TEST_CASE("a split where every rank has one color copies the parent", "[integration][split]") {
  const int n = 6;
  runOnComms(
      n,
      [&](fcclComm_t parent, int rank) -> std::string {
        fcclComm_t child = nullptr;
        FCCL_TEST_CALL(fcclCommSplit(parent, 12345, 7, &child, nullptr));
        if (std::string e = checkChild(child, {0, 1, 2, 3, 4, 5}, rank, "copy"); !e.empty()) return e;
        // Both work, interleaved.
        if (std::string e = parentWorks(parent, rank, n, "beside its copy"); !e.empty()) return e;
        if (std::string e = parentWorks(child, rank, n, "(the copy)"); !e.empty()) return e;
        FCCL_TEST_CALL(fcclCommDestroy(child));
        return "";
      },
      kDeadline);
}

TEST_CASE("a non-blocking split is polled until the child is ready", "[integration][split]") {
  const int n = 6;
  runOnComms(
      n,
      [&](fcclComm_t parent, int rank) -> std::string {
        fcclConfig_t config = FCCL_CONFIG_INITIALIZER;
        config.blocking = 0;
        fcclComm_t child = nullptr;
        const fcclResult_t r = fcclCommSplit(parent, rank / 3, rank, &child, &config);
        if (r != fcclInProgress && r != fcclSuccess) return failure("fcclCommSplit (non-blocking)", r);
        if (!child) return "a non-blocking split gave NULL";
        const fcclResult_t state = awaitReady(child, std::chrono::seconds(20));
        if (state != fcclSuccess) return std::string("the child's init ended with ") + fcclGetErrorString(state);
        const std::vector<int> members = rank < 3 ? std::vector<int>{0, 1, 2} : std::vector<int>{3, 4, 5};
        if (std::string e = checkChild(child, members, rank, "non-blocking child"); !e.empty()) return e;
        FCCL_TEST_CALL(fcclCommDestroy(child));
        return "";
      },
      kDeadline);
}

TEST_CASE("a split of a split", "[integration][split]") {
  const int n = 6;
  runOnComms(
      n,
      [&](fcclComm_t parent, int rank) -> std::string {
        fcclComm_t child = nullptr, grandchild = nullptr;
        FCCL_TEST_CALL(fcclCommSplit(parent, rank % 2, rank, &child, nullptr));  // {0,2,4}, {1,3,5}
        int childRank = -1;
        FCCL_TEST_CALL(fcclCommUserRank(child, &childRank));
        // In each child: child rank 0 alone, child ranks 1 and 2 together, ordered by key = -child rank.
        FCCL_TEST_CALL(fcclCommSplit(child, childRank == 0 ? 0 : 1, -childRank, &grandchild, nullptr));
        std::vector<int> members;
        const int base = rank % 2;
        if (childRank == 0)
          members = {base};
        else
          members = {base + 4, base + 2};
        if (std::string e = checkChild(grandchild, members, rank, "grandchild"); !e.empty()) return e;
        if (std::string e = checkChild(child, {base, base + 2, base + 4}, rank, "child beside the grandchild");
            !e.empty())
          return e;
        FCCL_TEST_CALL(fcclCommDestroy(grandchild));
        FCCL_TEST_CALL(fcclCommDestroy(child));
        return "";
      },
      kDeadline);
}

TEST_CASE("a split takes its turn after work queued on a stream", "[integration][split]") {
  const int n = 4;
  runOnComms(
      n,
      [&](fcclComm_t parent, int rank) -> std::string {
        fcclStream_t stream = nullptr;
        FCCL_TEST_CALL(fcclStreamCreate(&stream));
        std::vector<float> x(1 << 20, static_cast<float>(rank)), y(1 << 20, -1.0f);
        FCCL_TEST_CALL(fcclAllReduce(x.data(), y.data(), x.size(), fcclFloat32, fcclMax, parent, stream));
        fcclComm_t child = nullptr;
        FCCL_TEST_CALL(fcclCommSplit(parent, rank / 2, rank, &child, nullptr));
        FCCL_TEST_CALL(fcclAllReduce(y.data(), y.data(), y.size(), fcclFloat32, fcclSum, parent, stream));
        FCCL_TEST_CALL(fcclStreamSynchronize(stream));
        for (float v : y)
          if (v != 12.0f) return "the stream work around the split gave " + std::to_string(v);
        const std::vector<int> members = rank < 2 ? std::vector<int>{0, 1} : std::vector<int>{2, 3};
        if (std::string e = checkChild(child, members, rank, "child split behind stream work"); !e.empty()) return e;
        FCCL_TEST_CALL(fcclStreamDestroy(stream));
        FCCL_TEST_CALL(fcclCommDestroy(child));
        return "";
      },
      kDeadline);
}

TEST_CASE("an invalid color on one rank fails the split on every rank", "[integration][split]") {
  const int n = 6;
  runOnComms(
      n,
      [&](fcclComm_t parent, int rank) -> std::string {
        fcclComm_t child = reinterpret_cast<fcclComm_t>(&child);
        const auto start = std::chrono::steady_clock::now();
        const fcclResult_t r = fcclCommSplit(parent, rank == 3 ? -5 : 0, 0, &child, nullptr);
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (r == fcclSuccess) return "the split with color -5 on rank 3 succeeded on rank " + std::to_string(rank);
        if (r == fcclTimeout || s > 10) return "the split with a bad color waited " + std::to_string(s) + " s";
        if (std::string e = expectResult(r, fcclInvalidArgument, "fcclCommSplit(color -5 on rank 3)"); !e.empty())
          return e;
        const std::string text = fcclGetLastError(nullptr);
        if (text.find("rank 3") == std::string::npos || text.find("-5") == std::string::npos)
          return "the error does not name rank 3 and its color: " + text;
        if (child != nullptr) return "a failed split left *newcomm set";
        if (std::string e = parentWorks(parent, rank, n, "after the failed split"); !e.empty()) return e;
        fcclComm_t good = nullptr;
        FCCL_TEST_CALL(fcclCommSplit(parent, 0, 0, &good, nullptr));
        if (std::string e = checkChild(good, {0, 1, 2, 3, 4, 5}, rank, "split after the failed one"); !e.empty())
          return e;
        FCCL_TEST_CALL(fcclCommDestroy(good));
        return "";
      },
      kDeadline);
}

TEST_CASE("parent and child each keep working after the other is destroyed", "[integration][split]") {
  const int n = 6;
  const fcclUniqueId id = newUniqueId();
  auto outcomes = runRanks(
      n,
      [&](int rank) -> std::string {
        fcclComm_t parent = nullptr, first = nullptr, second = nullptr;
        FCCL_TEST_CALL(fcclCommInitRank(&parent, n, id, rank));
        FCCL_TEST_CALL(fcclCommSplit(parent, rank % 3, rank, &first, nullptr));
        FCCL_TEST_CALL(fcclCommSplit(parent, rank < 4 ? 0 : 1, rank, &second, nullptr));
        const std::vector<int> firstMembers = {rank % 3, rank % 3 + 3};
        if (std::string e = checkChild(first, firstMembers, rank, "first child"); !e.empty()) return e;
        FCCL_TEST_CALL(fcclCommDestroy(first));
        if (std::string e = parentWorks(parent, rank, n, "after the child was destroyed"); !e.empty()) return e;
        FCCL_TEST_CALL(fcclCommDestroy(parent));
        const std::vector<int> secondMembers = rank < 4 ? std::vector<int>{0, 1, 2, 3} : std::vector<int>{4, 5};
        if (std::string e = checkChild(second, secondMembers, rank, "second child after its parent was destroyed");
            !e.empty())
          return e;
        FCCL_TEST_CALL(fcclCommDestroy(second));
        return "";
      },
      kDeadline);
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

}  // namespace fccl::test
