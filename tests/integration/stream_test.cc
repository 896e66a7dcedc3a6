// Streams: a call given a stream returns once its work is queued, the work runs in call order
// (also relative to NULL-stream calls on the same communicator), two communicators' streams run
// side by side, fcclStreamDestroy waits for the queued work, and errors are reported on the
// stream.
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "harness/comm_fixture.h"
#include "harness/rank_signal.h"
#include "harness/run_ranks.h"

namespace fccl::test {
namespace {

double msSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// A model of every rank's buffers (float64 holding small integers, so every result is exact),
// to check a chain of calls in which each call reads what the one before wrote.
enum class Kind { kAllReduce, kBroadcast, kReduce, kAllGather, kReduceScatter, kAllToAll, kRing };
struct ChainOp {
  Kind kind;
  fcclRedOp_t op;
  int root;
};
const char* kindName(Kind k) {
  switch (k) {
    case Kind::kAllReduce:
      return "allreduce";
    case Kind::kBroadcast:
      return "broadcast";
    case Kind::kReduce:
      return "reduce";
    case Kind::kAllGather:
      return "allgather";
    case Kind::kReduceScatter:
      return "reducescatter";
    case Kind::kAllToAll:
      return "alltoall";
    case Kind::kRing:
      return "send/recv ring";
  }
  return "?";
}

double reduce2(fcclRedOp_t op, double a, double b) {
  return op == fcclSum ? a + b : op == fcclMax ? std::max(a, b) : std::min(a, b);
}

using Buffers = std::vector<std::vector<double>>;  // one chain buffer after another, n*c each
constexpr double kUnwritten = -7777;

// Applies `o` to the model of all ranks: reads buffer k, writes buffer k+1.
void applyModel(std::vector<Buffers>& world, size_t k, const ChainOp& o, size_t c, int n) {
  const size_t un = static_cast<size_t>(n);
  auto in = [&](size_t r, size_t i) { return world[r][k][i]; };
  for (size_t r = 0; r < un; ++r) {
    std::vector<double>& out = world[r][k + 1];
    for (size_t i = 0; i < c; ++i) {
      auto red = [&](size_t at) {
        double acc = in(0, at);
        for (size_t j = 1; j < un; ++j) acc = reduce2(o.op, acc, in(j, at));
        return acc;
      };
      switch (o.kind) {
        case Kind::kAllReduce:
          out[i] = red(i);
          break;
        case Kind::kBroadcast:
          out[i] = in(static_cast<size_t>(o.root), i);
          break;
        case Kind::kReduce:
          if (r == static_cast<size_t>(o.root)) out[i] = red(i);
          break;
        case Kind::kAllGather:
          for (size_t j = 0; j < un; ++j) out[j * c + i] = in(j, i);
          break;
        case Kind::kReduceScatter:
          out[i] = red(r * c + i);
          break;
        case Kind::kAllToAll:
          for (size_t j = 0; j < un; ++j) out[j * c + i] = in(j, r * c + i);
          break;
        case Kind::kRing:
          out[i] = in((r + un - 1) % un, i);
          break;
      }
    }
  }
}

// Queues `o` (buffer k -> k+1) on `stream`.
fcclResult_t queueOp(const ChainOp& o, Buffers& b, size_t k, size_t c, int rank, int n, fcclComm_t comm,
                     fcclStream_t stream) {
  const double* in = b[k].data();
  double* out = b[k + 1].data();
  switch (o.kind) {
    case Kind::kAllReduce:
      return fcclAllReduce(in, out, c, fcclFloat64, o.op, comm, stream);
    case Kind::kBroadcast:
      return fcclBroadcast(in, out, c, fcclFloat64, o.root, comm, stream);
    case Kind::kReduce:
      return fcclReduce(in, out, c, fcclFloat64, o.op, o.root, comm, stream);
    case Kind::kAllGather:
      return fcclAllGather(in, out, c, fcclFloat64, comm, stream);
    case Kind::kReduceScatter:
      return fcclReduceScatter(in, out, c, fcclFloat64, o.op, comm, stream);
    case Kind::kAllToAll:
      return fcclAllToAll(in, out, c, fcclFloat64, comm, stream);
    case Kind::kRing: {
      if (fcclResult_t r = fcclGroupStart(); r != fcclSuccess) return r;
      fcclResult_t s = fcclSend(in, c, fcclFloat64, (rank + 1) % n, comm, stream);
      fcclResult_t v = fcclRecv(out, c, fcclFloat64, (rank + n - 1) % n, comm, stream);
      fcclResult_t e = fcclGroupEnd();
      return s != fcclSuccess ? s : v != fcclSuccess ? v : e;
    }
  }
  return fcclInternalError;
}

}  // namespace

TEST_CASE("a call on a stream returns before its work is done", "[integration][stream]") {
  RankSignal go;
  runOnComms(
      2,
      [&](fcclComm_t comm, int rank) -> std::string {
        const size_t count = 1 << 16;
        std::vector<float> x(count, static_cast<float>(rank + 1)), y(count, -1.0f);
        if (rank == 1) {  // joins only when rank 0 has seen its call return and its work pending
          if (!go.await(std::chrono::seconds(30))) return "rank 0 never signalled";
          FCCL_TEST_CALL(fcclAllReduce(x.data(), y.data(), count, fcclFloat32, fcclSum, comm, nullptr));
        } else {
          fcclStream_t stream = nullptr;
          FCCL_TEST_CALL(fcclStreamCreate(&stream));
          const auto start = std::chrono::steady_clock::now();
          FCCL_TEST_CALL(fcclAllReduce(x.data(), y.data(), count, fcclFloat32, fcclSum, comm, stream));
          const double ms = msSince(start);
          const fcclResult_t pending = fcclStreamQuery(stream);
          const bool untouched = y[0] == -1.0f && y[count - 1] == -1.0f;
          go.raise();
          if (ms >= 100) return "the call on a stream took " + std::to_string(ms) + " ms to return";
          if (pending != fcclInProgress)
            return std::string("fcclStreamQuery before the peer called gave ") + fcclGetErrorString(pending);
          if (!untouched) return "recvbuff was written before the peer called";
          FCCL_TEST_CALL(fcclStreamSynchronize(stream));
          FCCL_TEST_CALL(fcclStreamQuery(stream));  // idle now
          FCCL_TEST_CALL(fcclStreamDestroy(stream));
        }
        for (size_t i = 0; i < count; ++i)
          if (y[i] != 3.0f) return "element " + std::to_string(i) + " is " + std::to_string(y[i]) + ", expected 3";
        return "";
      },
      std::chrono::seconds(60));
}

TEST_CASE("twenty calls of every kind queued on one stream run in order", "[integration][stream]") {
  const int n = GENERATE(2, 3);
  INFO("n=" << n);
  runOnComms(
      n,
      [&](fcclComm_t comm, int rank) -> std::string {
        const size_t c = 20000, un = static_cast<size_t>(n);
        const Kind kinds[] = {Kind::kAllReduce, Kind::kBroadcast,     Kind::kAllGather, Kind::kReduce,
                              Kind::kAllToAll,  Kind::kReduceScatter, Kind::kRing};
        const fcclRedOp_t ops[] = {fcclSum, fcclMax, fcclMin};
        std::vector<ChainOp> chain;
        for (int k = 0; k < 20; ++k) chain.push_back({kinds[k % 7], ops[(k / 7 + k) % 3], (k * 5 + 1) % n});
        // Every rank models every rank: its own buffers are checked against its row of the model.
        std::vector<Buffers> world(un, Buffers(chain.size() + 1, std::vector<double>(un * c, kUnwritten)));
        for (size_t r = 0; r < un; ++r)
          for (size_t i = 0; i < un * c; ++i) world[r][0][i] = static_cast<double>((r * 7 + i * 3) % 11) - 5;
        Buffers mine = world[static_cast<size_t>(rank)];
        for (size_t k = 0; k < chain.size(); ++k) applyModel(world, k, chain[k], c, n);
        fcclStream_t stream = nullptr;
        FCCL_TEST_CALL(fcclStreamCreate(&stream));
        for (size_t k = 0; k < chain.size(); ++k)
          if (fcclResult_t r = queueOp(chain[k], mine, k, c, rank, n, comm, stream); r != fcclSuccess)
            return failure(kindName(chain[k].kind), r) + " (call " + std::to_string(k) + ")";
        FCCL_TEST_CALL(fcclStreamSynchronize(stream));
        FCCL_TEST_CALL(fcclStreamDestroy(stream));
        const Buffers& want = world[static_cast<size_t>(rank)];
        for (size_t k = 1; k <= chain.size(); ++k)
          for (size_t i = 0; i < un * c; ++i)
            if (mine[k][i] != want[k][i])
              return "after call " + std::to_string(k - 1) + " (" + kindName(chain[k - 1].kind) + "), element " +
                     std::to_string(i) + " is " + std::to_string(mine[k][i]) + ", expected " +
                     std::to_string(want[k][i]);
        return "";
      },
      std::chrono::seconds(90));
}

TEST_CASE("two communicators run their streams at the same time", "[integration][stream]") {
  const bool bySplit = GENERATE(true, false);
  INFO((bySplit ? "second communicator from fcclCommSplit" : "second communicator from a second init"));
  const fcclUniqueId secondId = newUniqueId();
  runOnComms(
      2,
      [&](fcclComm_t first, int rank) -> std::string {
        fcclComm_t second = nullptr;
        if (bySplit)
          FCCL_TEST_CALL(fcclCommSplit(first, 0, rank, &second, nullptr));
        else
          FCCL_TEST_CALL(fcclCommInitRank(&second, 2, secondId, rank));
        fcclStream_t s1 = nullptr, s2 = nullptr;
        FCCL_TEST_CALL(fcclStreamCreate(&s1));
        FCCL_TEST_CALL(fcclStreamCreate(&s2));
        // The ranks queue on the two communicators in opposite orders: run one after the other,
        // each would wait for a peer that waits in the other communicator.
        const size_t count = 2 << 20;  // 8 MiB: well past the FIFO, so neither finishes alone
        std::vector<float> a(count, static_cast<float>(rank + 1)), b(count, static_cast<float>(10 * (rank + 1)));
        std::vector<float> ra(count, -1.0f), rb(count, -1.0f);
        auto onFirst = [&] { return fcclAllReduce(a.data(), ra.data(), count, fcclFloat32, fcclSum, first, s1); };
        auto onSecond = [&] { return fcclAllReduce(b.data(), rb.data(), count, fcclFloat32, fcclMax, second, s2); };
        if (rank == 0) {
          FCCL_TEST_CALL(onFirst());
          FCCL_TEST_CALL(onSecond());
        } else {
          FCCL_TEST_CALL(onSecond());
          FCCL_TEST_CALL(onFirst());
        }
        FCCL_TEST_CALL(fcclStreamSynchronize(s2));
        FCCL_TEST_CALL(fcclStreamSynchronize(s1));
        for (size_t i = 0; i < count; ++i) {
          if (ra[i] != 3.0f) return "first communicator: element " + std::to_string(i) + " is " + std::to_string(ra[i]);
          if (rb[i] != 20.0f)
            return "second communicator: element " + std::to_string(i) + " is " + std::to_string(rb[i]);
        }
        FCCL_TEST_CALL(fcclStreamDestroy(s1));
        FCCL_TEST_CALL(fcclStreamDestroy(s2));
        FCCL_TEST_CALL(fcclCommDestroy(second));
        return "";
      },
      std::chrono::seconds(60));
}

TEST_CASE("a group over two communicators on one stream runs them together", "[integration][stream]") {
  runOnComms(
      2,
      [&](fcclComm_t first, int rank) -> std::string {
        fcclComm_t second = nullptr;
        FCCL_TEST_CALL(fcclCommSplit(first, 0, -rank, &second, nullptr));  // reversed ranks
        fcclStream_t stream = nullptr;
        FCCL_TEST_CALL(fcclStreamCreate(&stream));
        const size_t count = 2 << 20;
        std::vector<float> a(count, static_cast<float>(rank + 1)), b(count, static_cast<float>(rank + 5));
        std::vector<float> ra(count, -1.0f), rb(count, -1.0f);
        // In opposite orders on the two ranks: only running them together completes.
        FCCL_TEST_CALL(fcclGroupStart());
        if (rank == 0) FCCL_TEST_CALL(fcclAllReduce(a.data(), ra.data(), count, fcclFloat32, fcclSum, first, stream));
        FCCL_TEST_CALL(fcclAllReduce(b.data(), rb.data(), count, fcclFloat32, fcclMin, second, stream));
        if (rank == 1) FCCL_TEST_CALL(fcclAllReduce(a.data(), ra.data(), count, fcclFloat32, fcclSum, first, stream));
        FCCL_TEST_CALL(fcclGroupEnd());
        FCCL_TEST_CALL(fcclStreamSynchronize(stream));
        for (size_t i = 0; i < count; ++i)
          if (ra[i] != 3.0f || rb[i] != 5.0f)
            return "element " + std::to_string(i) + " is " + std::to_string(ra[i]) + " / " + std::to_string(rb[i]);
        FCCL_TEST_CALL(fcclStreamDestroy(stream));
        FCCL_TEST_CALL(fcclCommDestroy(second));
        return "";
      },
      std::chrono::seconds(60));
}

TEST_CASE("a NULL-stream call runs after the stream calls made before it on the same comm", "[integration][stream]") {
  runOnComms(
      3,
      [&](fcclComm_t comm, int rank) -> std::string {
        const size_t count = 1 << 18;  // 1 MiB of floats: each call takes a while
        std::vector<float> x(count, static_cast<float>(rank + 1));
        fcclStream_t stream = nullptr;
        FCCL_TEST_CALL(fcclStreamCreate(&stream));
        for (int k = 0; k < 4; ++k)  // max, sum, max, sum: in any other order the result differs
          FCCL_TEST_CALL(
              fcclAllReduce(x.data(), x.data(), count, fcclFloat32, k % 2 ? fcclSum : fcclMax, comm, stream));
        // max(1, 2, 3) = 3, sum 9, max 9, sum 27; the NULL-stream sum then makes 81.
        FCCL_TEST_CALL(fcclAllReduce(x.data(), x.data(), count, fcclFloat32, fcclSum, comm, nullptr));
        for (size_t i = 0; i < count; ++i)
          if (x[i] != 81.0f)
            return "after the NULL-stream call, element " + std::to_string(i) + " is " + std::to_string(x[i]) +
                   ", expected 81";
        FCCL_TEST_CALL(fcclStreamSynchronize(stream));
        FCCL_TEST_CALL(fcclStreamDestroy(stream));
        return "";
      },
      std::chrono::seconds(60));
}

TEST_CASE("fcclStreamDestroy waits for the work queued on the stream", "[integration][stream]") {
  RankSignal destroying;
  runOnComms(
      2,
      [&](fcclComm_t comm, int rank) -> std::string {
        const size_t count = 1 << 18;
        const int calls = 5;
        std::vector<std::vector<float>> in(calls, std::vector<float>(count)),
            out(calls, std::vector<float>(count, -1.0f));
        for (int k = 0; k < calls; ++k)
          for (size_t i = 0; i < count; ++i)
            in[k][i] = static_cast<float>((rank + 1) * (k + 1) + static_cast<int>(i % 5));
        // Rank 1 queues only once rank 0 is about to destroy its stream: rank 0's work cannot have
        // finished by then.
        if (rank == 1 && !destroying.await(std::chrono::seconds(30))) return "rank 0 never signalled";
        fcclStream_t stream = nullptr;
        FCCL_TEST_CALL(fcclStreamCreate(&stream));
        for (int k = 0; k < calls; ++k)
          FCCL_TEST_CALL(fcclAllReduce(in[k].data(), out[k].data(), count, fcclFloat32, fcclSum, comm, stream));
        if (rank == 0) destroying.raise();
        FCCL_TEST_CALL(fcclStreamDestroy(stream));
        for (int k = 0; k < calls; ++k)
          for (size_t i = 0; i < count; ++i) {
            const float want = static_cast<float>(3 * (k + 1) + 2 * static_cast<int>(i % 5));
            if (out[k][i] != want)
              return "call " + std::to_string(k) + " element " + std::to_string(i) + " is " +
                     std::to_string(out[k][i]) + " after fcclStreamDestroy, expected " + std::to_string(want);
          }
        return "";
      },
      std::chrono::seconds(60));
}

TEST_CASE("fcclCommFinalize waits for the work queued on streams", "[integration][stream]") {
  RankSignal finalizing;
  runOnComms(
      2,
      [&](fcclComm_t comm, int rank) -> std::string {
        const size_t count = 1 << 18;
        std::vector<float> x(count, static_cast<float>(rank + 1)), y(count, -1.0f);
        if (rank == 1 && !finalizing.await(std::chrono::seconds(30))) return "rank 0 never signalled";
        fcclStream_t stream = nullptr;
        FCCL_TEST_CALL(fcclStreamCreate(&stream));
        FCCL_TEST_CALL(fcclAllReduce(x.data(), y.data(), count, fcclFloat32, fcclSum, comm, stream));
        if (rank == 0) finalizing.raise();
        FCCL_TEST_CALL(fcclCommFinalize(comm));
        for (size_t i = 0; i < count; ++i)
          if (y[i] != 3.0f)
            return "after fcclCommFinalize, element " + std::to_string(i) + " is " + std::to_string(y[i]);
        FCCL_TEST_CALL(fcclStreamSynchronize(stream));
        FCCL_TEST_CALL(fcclStreamDestroy(stream));
        return "";
      },
      std::chrono::seconds(60));
}

TEST_CASE("a bad stream handle is an invalid argument and costs nothing", "[integration][stream]") {
  runOnComms(
      2,
      [&](fcclComm_t comm, int rank) -> std::string {
        alignas(64) static unsigned char notAStream[256] = {};
        auto bogus = reinterpret_cast<fcclStream_t>(notAStream);
        int32_t v = rank + 1, sum = 0;
        FCCL_TEST_EXPECT(fcclStreamCreate(nullptr), fcclInvalidArgument);
        FCCL_TEST_EXPECT(fcclAllReduce(&v, &sum, 1, fcclInt32, fcclSum, comm, bogus), fcclInvalidArgument);
        FCCL_TEST_EXPECT(fcclStreamSynchronize(bogus), fcclInvalidArgument);
        FCCL_TEST_EXPECT(fcclStreamQuery(bogus), fcclInvalidArgument);
        FCCL_TEST_EXPECT(fcclStreamSynchronize(nullptr), fcclInvalidArgument);
        FCCL_TEST_EXPECT(fcclStreamQuery(nullptr), fcclInvalidArgument);
        // In a group the streams are looked at when the group launches: fcclGroupEnd reports it.
        FCCL_TEST_CALL(fcclGroupStart());
        fcclResult_t queued = fcclAllReduce(&v, &sum, 1, fcclInt32, fcclSum, comm, bogus);
        fcclResult_t ended = fcclGroupEnd();
        if (queued == fcclSuccess)
          FCCL_TEST_EXPECT(ended, fcclInvalidArgument);
        else if (ended == fcclSuccess)
          return "fcclGroupEnd succeeded after a call with a bad stream failed";
        // None of that took a place in the communicator's order: a good call runs at once.
        FCCL_TEST_CALL(fcclAllReduce(&v, &sum, 1, fcclInt32, fcclSum, comm, nullptr));
        if (sum != 3) return "allreduce after the bad stream calls gave " + std::to_string(sum);
        fcclStream_t stream = nullptr;
        FCCL_TEST_CALL(fcclStreamCreate(&stream));
        FCCL_TEST_CALL(fcclAllReduce(&v, &sum, 1, fcclInt32, fcclMax, comm, stream));
        FCCL_TEST_CALL(fcclStreamSynchronize(stream));
        FCCL_TEST_CALL(fcclStreamDestroy(stream));
        if (sum != 2) return "allreduce (max) on a stream gave " + std::to_string(sum);
        FCCL_TEST_CALL(fcclStreamDestroy(nullptr));  // like free(NULL)
        // A destroyed stream is no stream.
        FCCL_TEST_EXPECT(fcclStreamSynchronize(stream), fcclInvalidArgument);
        FCCL_TEST_EXPECT(fcclStreamQuery(stream), fcclInvalidArgument);
        FCCL_TEST_EXPECT(fcclAllReduce(&v, &sum, 1, fcclInt32, fcclSum, comm, stream), fcclInvalidArgument);
        FCCL_TEST_EXPECT(fcclStreamDestroy(stream), fcclInvalidArgument);
        FCCL_TEST_CALL(fcclAllReduce(&v, &sum, 1, fcclInt32, fcclSum, comm, nullptr));
        if (sum != 3) return "allreduce after the destroyed-stream calls gave " + std::to_string(sum);
        return "";
      },
      std::chrono::seconds(30));
}

TEST_CASE("an error in stream work sticks to the stream", "[integration][stream]") {
  // FCCL_ALGO=bogus passes the call's checks and fails when the stream runs it.
  const fcclUniqueId id = newUniqueId();
  auto outcomes = runRanks(
      2,
      [&](int rank) -> std::string {
        setenv("FCCL_ALGO", "bogus", 1);
        std::string error;
        fcclComm_t comm = initComm(id, 2, rank, 20000, &error);
        if (!comm) return error;
        int32_t v = rank + 1, sum = 0;
        fcclStream_t stream = nullptr;
        FCCL_TEST_CALL(fcclStreamCreate(&stream));
        FCCL_TEST_CALL(fcclAllReduce(&v, &sum, 1, fcclInt32, fcclSum, comm, stream));
        FCCL_TEST_EXPECT(fcclStreamSynchronize(stream), fcclInvalidArgument);
        if (std::string(fcclGetLastError(nullptr)).find("FCCL_ALGO") == std::string::npos)
          return std::string("the stream's error does not say what failed: ") + fcclGetLastError(nullptr);
        FCCL_TEST_EXPECT(fcclStreamQuery(stream), fcclInvalidArgument);
        FCCL_TEST_EXPECT(fcclStreamSynchronize(stream), fcclInvalidArgument);  // still
        FCCL_TEST_CALL(fcclStreamDestroy(stream));
        // Not fcclCommAbort: an abort tells the peers at once, and a peer whose stream has not
        // run its call yet would rightly report this rank's abort instead of its own error.
        fcclCommDestroy(comm);
        return "";
      },
      std::chrono::seconds(30));
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

TEST_CASE("work dropped behind a failed stream item does not wedge the communicator", "[integration][stream]") {
  // After the first failure a stream drops what is queued behind it. Those calls took places in
  // the communicator's order; a later call must not wait for them until the timeout, and
  // fcclCommDestroy must return.
  const fcclUniqueId id = newUniqueId();
  auto outcomes = runRanks(
      2,
      [&](int rank) -> std::string {
        setenv("FCCL_ALGO", "bogus", 1);  // fails all-reduce on the stream; all-to-all has no choice
        std::string error;
        fcclComm_t comm = initComm(id, 2, rank, 4000, &error);
        if (!comm) return error;
        int32_t v = rank + 1, sum = 0;
        fcclStream_t stream = nullptr;
        FCCL_TEST_CALL(fcclStreamCreate(&stream));
        FCCL_TEST_CALL(fcclAllReduce(&v, &sum, 1, fcclInt32, fcclSum, comm, stream));
        const fcclResult_t second = fcclAllReduce(&v, &sum, 1, fcclInt32, fcclSum, comm, stream);  // dropped
        FCCL_TEST_EXPECT(fcclStreamSynchronize(stream), fcclInvalidArgument);
        FCCL_TEST_CALL(fcclStreamDestroy(stream));
        int32_t out[2] = {-1, -1}, in[2] = {rank * 10, rank * 10 + 1};
        const auto start = std::chrono::steady_clock::now();
        const fcclResult_t r = fcclAllToAll(in, out, 1, fcclInt32, comm, nullptr);
        const double ms = msSince(start);
        if (r == fcclTimeout || ms > 3000)
          return "an all-to-all after work was dropped from a failed stream (the second queue call returned " +
                 std::string(fcclGetErrorString(second)) + ") waited " + std::to_string(ms) + " ms and returned " +
                 fcclGetErrorString(r) + ": " + fcclGetLastError(nullptr);
        FCCL_TEST_CALL(fcclCommDestroy(comm));  // must return: nothing is left to wait for
        return "";
      },
      std::chrono::seconds(30));
  INFO(describe(outcomes));
  CHECK(allOk(outcomes));
}

}  // namespace fccl::test
