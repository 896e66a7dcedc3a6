// MoE dispatch and combine on real processes, against the tests' own model of a MoE layer
// (harness/moe_reference.h): 1, 2, 3, 4 and 8 ranks, top-1 and top-2, random routing with dropped
// slots, every token to one expert, every slot to one rank, ranks without tokens, hidden sizes
// from 1 to 4096, float, bfloat16 and half, experts in runs or round robin; over several
// scale-up domains too (rows between domains on the rails). Then capacity, arguments, streams,
// groups and ranks that disagree on the shape.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "fccl/fccl_moe.h"
#include "harness/comm_fixture.h"
#include "harness/moe_reference.h"
#include "harness/reference.h"
#include "harness/run_ranks.h"

namespace fccl::test {
namespace {

constexpr std::byte kPoison{0xC3};
constexpr size_t kGuardRows = 2;

std::string caseName(const MoeCase& c) {
  const char* routing = c.routing == Routing::kRandom ? "random" : c.routing == Routing::kOneExpert ? "one expert" : "one rank";
  return "n=" + std::to_string(c.nranks) + " hidden " + std::to_string(c.hidden) + " top-" + std::to_string(c.topk) +
         " type " + std::to_string(c.type) + " " + routing + " routing, seed " + std::to_string(c.seed);
}

std::vector<std::byte> encodeRows(fcclDataType_t type, size_t rows, size_t hidden,
                                  const std::function<double(size_t row, size_t h)>& value) {
  const size_t es = elementBytes(type);
  std::vector<std::byte> out(rows * hidden * es);
  for (size_t r = 0; r < rows; ++r)
    for (size_t h = 0; h < hidden; ++h) encode(type, value(r, h), out.data() + (r * hidden + h) * es);
  return out;
}

// Where a buffer of `rows` rows is poisoned past its end, to see writes that overrun it.
bool guardIntact(const std::vector<std::byte>& buffer, size_t usedBytes) {
  for (size_t i = usedBytes; i < buffer.size(); ++i)
    if (buffer[i] != kPoison) return false;
  return true;
}

// One dispatch, the experts' work and one combine on this rank, each output checked.
std::string runMoe(fcclComm_t comm, const MoeCase& c, int rank, fcclStream_t stream = nullptr) {
  const size_t hidden = c.hidden, es = elementBytes(c.type), tokens = c.tokens[static_cast<size_t>(rank)];
  const size_t rowBytes = hidden * es;
  const std::vector<std::byte> input = encodeRows(c.type, tokens, hidden, [&](size_t t, size_t h) { return tokenValue(rank, t, h); });
  const std::vector<int32_t> ids = expertIds(c, rank);
  const std::vector<float> w = weights(c, rank);
  const std::vector<ReceivedRow> rows = expectedRows(c, rank);
  const std::vector<size_t> counts = expectedExpertCounts(c, rank);
  const size_t capacity = rows.size() + 1;
  std::vector<std::byte> received((capacity + kGuardRows) * rowBytes, kPoison);
  std::vector<size_t> gotCounts(counts.size() + 1, 12345);
  fcclMoeLayout_t layout = nullptr;
  FCCL_TEST_CALL(fcclMoeDispatch(input.data(), ids.data(), tokens, hidden, c.topk, c.type, c.expertToRank.data(),
                                 c.numExperts(), received.data(), capacity, gotCounts.data(), &layout, comm, stream));
  if (stream) FCCL_TEST_CALL(fcclStreamSynchronize(stream));
  const std::string name = caseName(c) + ", rank " + std::to_string(rank);
  for (size_t l = 0; l < counts.size(); ++l)
    if (gotCounts[l] != counts[l])
      return name + ": local expert " + std::to_string(l) + " got " + std::to_string(gotCounts[l]) + " rows, expected " +
             std::to_string(counts[l]);
  if (gotCounts[counts.size()] != 12345) return name + ": recvExpertCounts written past this rank's experts";
  for (size_t r = 0; r < rows.size(); ++r)
    for (size_t h = 0; h < hidden; ++h) {
      const double got = decode(c.type, received.data() + (r * hidden + h) * es);
      const double want = tokenValue(rows[r].source, rows[r].token, h);
      if (got != want)
        return name + ": received row " + std::to_string(r) + " (expert " + std::to_string(rows[r].expert) + ", rank " +
               std::to_string(rows[r].source) + " token " + std::to_string(rows[r].token) + ") element " +
               std::to_string(h) + " is " + std::to_string(got) + ", expected " + std::to_string(want);
    }
  if (!guardIntact(received, rows.size() * rowBytes)) return name + ": dispatch wrote past the rows received";
  // The experts: each received row through its expert's function, in the same packed layout.
  const std::vector<std::byte> expertOut = encodeRows(c.type, rows.size(), hidden, [&](size_t r, size_t h) {
    return expertFunction(rows[r].expert, tokenValue(rows[r].source, rows[r].token, h));
  });
  std::vector<std::byte> out((tokens + kGuardRows) * rowBytes, kPoison);
  FCCL_TEST_CALL(fcclMoeCombine(expertOut.data(), w.data(), out.data(), layout, comm, stream));
  FCCL_TEST_CALL(fcclMoeLayoutDestroy(layout));  // on a stream, before the combine has run
  if (stream) FCCL_TEST_CALL(fcclStreamSynchronize(stream));
  for (size_t t = 0; t < tokens; ++t)
    for (size_t h = 0; h < hidden; ++h) {
      const double got = decode(c.type, out.data() + (t * hidden + h) * es), want = combinedValue(c, rank, t, h);
      if (got != want)
        return name + ": combined token " + std::to_string(t) + " element " + std::to_string(h) + " is " +
               std::to_string(got) + ", expected " + std::to_string(want);
    }
  if (!guardIntact(out, tokens * rowBytes)) return name + ": combine wrote past the tokens";
  return "";
}

// The cases of a job of n ranks: every routing, topk, hidden size and type; some with ranks that
// hold no tokens, half with experts round robin.
std::vector<MoeCase> cases(int n, bool small = false) {
  std::vector<MoeCase> out;
  uint32_t seed = 1;
  const std::vector<size_t> hiddens = small ? std::vector<size_t>{3, 1024} : std::vector<size_t>{1, 7, 256, 4096};
  for (Routing routing : {Routing::kRandom, Routing::kOneExpert, Routing::kSameRank})
    for (int topk : {1, 2})
      for (size_t hidden : hiddens)
        for (fcclDataType_t type : {fcclFloat32, fcclBfloat16, fcclFloat16}) {
          MoeCase c;
          c.nranks = n;
          c.hidden = hidden;
          c.topk = topk;
          c.type = type;
          c.routing = routing;
          c.seed = seed++;
          c.expertToRank = c.seed % 2 ? contiguousExperts(8, n) : roundRobinExperts(8, n);
          const bool emptyRanks = c.seed % 3 == 0;
          for (int r = 0; r < n; ++r)
            c.tokens.push_back(emptyRanks && (r == 0 || r == n - 1) ? 0 : 3 + (static_cast<size_t>(r) * 13 + c.seed) % 29);
          out.push_back(c);
        }
  return out;
}

// Forks n ranks (domains of `perDomain` ranks when > 0, FCCL_ALGO=algo when set, FCCL_CHECK=1
// when `checkCalls`) and runs fn.
void onRanks(int n, int perDomain, const char* algo, const std::function<std::string(fcclComm_t, int)>& fn,
             bool checkCalls = false) {
  const fcclUniqueId id = newUniqueId();
  auto outcomes = runRanks(n, [&](int rank) -> std::string {
    if (perDomain > 0) setenv("FCCL_SCALEUP_DOMAIN", ("domain" + std::to_string(rank / perDomain)).c_str(), 1);
    if (algo) setenv("FCCL_ALGO", algo, 1);
    if (checkCalls) setenv("FCCL_CHECK", "1", 1);
    std::string error;
    fcclComm_t comm = initComm(id, n, rank, 60000, &error);
    if (!comm) return error;
    error = fn(comm, rank);
    if (!error.empty()) {
      fcclCommAbort(comm);
      return error;
    }
    FCCL_TEST_CALL(fcclCommDestroy(comm));
    return "";
  }, std::chrono::seconds(500));
  INFO(n << " ranks, " << perDomain << " per domain, FCCL_ALGO=" << (algo ? algo : "") << "\n" << describe(outcomes));
  CHECK(allOk(outcomes));
}

void runCases(int n, int perDomain = 0, const char* algo = nullptr, bool small = false) {
  onRanks(n, perDomain, algo, [&](fcclComm_t comm, int rank) -> std::string {
    for (const MoeCase& c : cases(n, small))
      if (std::string e = runMoe(comm, c, rank); !e.empty()) return e;
    return "";
  });
}

// A small job every rank makes alike, for the error cases.
MoeCase smallCase(int n) {
  MoeCase c;
  c.nranks = n;
  c.hidden = 16;
  c.topk = 2;
  c.expertToRank = contiguousExperts(8, n);
  c.tokens.assign(static_cast<size_t>(n), 10);
  return c;
}

}  // namespace

TEST_CASE("moe dispatch and combine match the reference on 1 rank", "[integration][moe]") { runCases(1); }
TEST_CASE("moe dispatch and combine match the reference on 2 ranks", "[integration][moe]") { runCases(2); }
TEST_CASE("moe dispatch and combine match the reference on 3 ranks", "[integration][moe]") { runCases(3); }
TEST_CASE("moe dispatch and combine match the reference on 4 ranks", "[integration][moe]") { runCases(4); }
TEST_CASE("moe dispatch and combine match the reference on 8 ranks", "[integration][moe]") { runCases(8); }

TEST_CASE("moe dispatch and combine match the reference over 2x2 and 2x4 scale-up domains, rows on the rails",
          "[integration][moe]") {
  runCases(4, 2, nullptr, true);
  runCases(4, 2, "hier", true);
  runCases(8, 4, "hier", true);
}

TEST_CASE("moe dispatch and combine run on a stream, the layout destroyed before the combine ran", "[integration][moe]") {
  onRanks(3, 0, nullptr, [](fcclComm_t comm, int rank) -> std::string {
    fcclStream_t stream = nullptr;
    FCCL_TEST_CALL(fcclStreamCreate(&stream));
    std::string error;
    for (const MoeCase& c : cases(3, true))
      if (error = runMoe(comm, c, rank, stream); !error.empty()) break;
    FCCL_TEST_CALL(fcclStreamDestroy(stream));
    return error;
  });
}

TEST_CASE("a rank whose recvCapacity is short fails every rank's dispatch before a row moves, the comm goes on",
          "[integration][moe]") {
  onRanks(4, 0, nullptr, [](fcclComm_t comm, int rank) -> std::string {
    MoeCase c = smallCase(4);
    c.routing = Routing::kOneExpert;  // expert 7, on rank 3, gets every token's first slot
    const std::vector<size_t> counts = expectedExpertCounts(c, rank);
    const size_t need = expectedRows(c, rank).size();
    const std::vector<int32_t> ids = expertIds(c, rank);
    std::vector<float> tokens(10 * 16, 1.0f), recv((need + 1) * 16);
    std::vector<size_t> got(counts.size());
    fcclMoeLayout_t layout = reinterpret_cast<fcclMoeLayout_t>(&got);  // must come back NULL
    const size_t capacity = rank == 3 ? need - 1 : need;
    FCCL_TEST_EXPECT(fcclMoeDispatch(tokens.data(), ids.data(), 10, 16, 2, fcclFloat32, c.expertToRank.data(), 8,
                                     recv.data(), capacity, got.data(), &layout, comm, nullptr),
                     rank == 3 ? fcclInvalidArgument : fcclInvalidUsage);
    const std::string why = fcclGetLastError(comm);
    const std::string expected = (rank == 3 ? "this rank" : "rank 3") + std::string(" receives ") +
                                 std::to_string(rank == 3 ? need : expectedRows(c, 3).size()) +
                                 " rows but its recvCapacity is " + std::to_string(expectedRows(c, 3).size() - 1);
    if (why.find(expected) == std::string::npos) return "the error does not say '" + expected + "': " + why;
    if (layout != nullptr) return "a failed dispatch left a layout";
    if (got != counts) return "recvExpertCounts was not filled for a retry";
    // The communicator is still usable: the same call with enough room works.
    return runMoe(comm, c, rank);
  });
}

TEST_CASE("moe dispatch refuses bad arguments, naming them, and the comm goes on", "[integration][moe]") {
  onRanks(2, 0, nullptr, [](fcclComm_t comm, int rank) -> std::string {
    const MoeCase c = smallCase(2);
    const std::vector<int32_t> ids = expertIds(c, rank);
    std::vector<float> tokens(10 * 16), recv(64 * 16);
    std::vector<size_t> counts(4);
    fcclMoeLayout_t layout = nullptr;
    const int32_t* map = c.expertToRank.data();
    struct Bad {
      const char* what;
      std::function<fcclResult_t()> call;
    };
    const int32_t badMap[8] = {0, 0, 1, 1, 2, 1, 0, 0};
    std::vector<int32_t> badIds = ids;
    badIds[5] = 8;
    const Bad bad[] = {
        {"layout (the output pointer) is NULL", [&] { return fcclMoeDispatch(tokens.data(), ids.data(), 10, 16, 2, fcclFloat32, map, 8, recv.data(), 64, counts.data(), nullptr, comm, nullptr); }},
        {"tokens is NULL", [&] { return fcclMoeDispatch(nullptr, ids.data(), 10, 16, 2, fcclFloat32, map, 8, recv.data(), 64, counts.data(), &layout, comm, nullptr); }},
        {"expertIds is NULL", [&] { return fcclMoeDispatch(tokens.data(), nullptr, 10, 16, 2, fcclFloat32, map, 8, recv.data(), 64, counts.data(), &layout, comm, nullptr); }},
        {"expertToRank is NULL", [&] { return fcclMoeDispatch(tokens.data(), ids.data(), 10, 16, 2, fcclFloat32, nullptr, 8, recv.data(), 64, counts.data(), &layout, comm, nullptr); }},
        {"recvTokens is NULL", [&] { return fcclMoeDispatch(tokens.data(), ids.data(), 10, 16, 2, fcclFloat32, map, 8, nullptr, 64, counts.data(), &layout, comm, nullptr); }},
        {"hidden is 0", [&] { return fcclMoeDispatch(tokens.data(), ids.data(), 10, 0, 2, fcclFloat32, map, 8, recv.data(), 64, counts.data(), &layout, comm, nullptr); }},
        {"topk is 0", [&] { return fcclMoeDispatch(tokens.data(), ids.data(), 10, 16, 0, fcclFloat32, map, 8, recv.data(), 64, counts.data(), &layout, comm, nullptr); }},
        {"numExperts is 0", [&] { return fcclMoeDispatch(tokens.data(), ids.data(), 10, 16, 2, fcclFloat32, map, 0, recv.data(), 64, counts.data(), &layout, comm, nullptr); }},
        {"datatype 2 is not one MoE rows take", [&] { return fcclMoeDispatch(tokens.data(), ids.data(), 10, 16, 2, fcclInt32, map, 8, recv.data(), 64, counts.data(), &layout, comm, nullptr); }},
        {"expertToRank[4] is 2, must be a rank in [0, 2)", [&] { return fcclMoeDispatch(tokens.data(), ids.data(), 10, 16, 2, fcclFloat32, badMap, 8, recv.data(), 64, counts.data(), &layout, comm, nullptr); }},
        {"overflows the buffer size", [&] { return fcclMoeDispatch(tokens.data(), ids.data(), size_t{1} << 62, 16, 2, fcclFloat32, map, 8, recv.data(), 64, counts.data(), &layout, comm, nullptr); }},
        {"recvCapacity 1152921504606846976 x hidden 16 overflows", [&] { return fcclMoeDispatch(tokens.data(), ids.data(), 10, 16, 2, fcclFloat32, map, 8, recv.data(), size_t{1} << 60, counts.data(), &layout, comm, nullptr); }},
        // Read when the call runs, before anything is exchanged; every rank passes one.
        {"expertIds[5] (token 2, slot 1) is 8, must be -1 (dropped) or an expert in [0, 8)", [&] { return fcclMoeDispatch(tokens.data(), badIds.data(), 10, 16, 2, fcclFloat32, map, 8, recv.data(), 64, counts.data(), &layout, comm, nullptr); }},
        {"layout is NULL", [&] { return fcclMoeCombine(recv.data(), nullptr, tokens.data(), nullptr, comm, nullptr); }},
        {"layout is not a live MoE layout", [&] { return fcclMoeCombine(recv.data(), nullptr, tokens.data(), reinterpret_cast<fcclMoeLayout_t>(&counts), comm, nullptr); }},
    };
    for (const Bad& b : bad) {
      FCCL_TEST_EXPECT(b.call(), fcclInvalidArgument);
      const std::string why = fcclGetLastError(comm);
      if (why.find(b.what) == std::string::npos) return std::string("expected '") + b.what + "' in: " + why;
    }
    // Inside a group the call is refused (and the group with it).
    FCCL_TEST_CALL(fcclGroupStart());
    const fcclResult_t grouped = fcclMoeDispatch(tokens.data(), ids.data(), 10, 16, 2, fcclFloat32, map, 8, recv.data(), 64, counts.data(), &layout, comm, nullptr);
    const fcclResult_t ended = fcclGroupEnd();
    if (grouped != fcclInvalidUsage || ended != fcclInvalidUsage) return "a MoE call inside a group was not refused";
    return runMoe(comm, c, rank);
  });
}

TEST_CASE("moe dispatch and combine pass FCCL_CHECK's agreement of calls and traffic, on the rails too",
          "[integration][moe]") {
  for (const char* algo : {"direct", "hier"})
    onRanks(4, 2, algo, [](fcclComm_t comm, int rank) -> std::string {
      MoeCase c = smallCase(4);
      for (Routing routing : {Routing::kRandom, Routing::kOneExpert}) {
        c.routing = routing;
        if (std::string e = runMoe(comm, c, rank); !e.empty()) return e;
      }
      return "";
    }, true);
}

TEST_CASE("FCCL_CHECK names the rank whose MoE call differs, before any row moves", "[integration][moe]") {
  onRanks(3, 0, nullptr, [](fcclComm_t comm, int rank) -> std::string {
    const MoeCase c = smallCase(3);
    const std::vector<int32_t> ids = expertIds(c, rank);
    std::vector<float> tokens(10 * 16), recv(64 * 16);
    fcclMoeLayout_t layout = nullptr;
    const size_t hidden = rank == 1 ? 8 : 16;
    FCCL_TEST_EXPECT(fcclMoeDispatch(tokens.data(), ids.data(), 10, hidden, 2, fcclFloat32, c.expertToRank.data(), 8,
                                     recv.data(), 64, nullptr, &layout, comm, nullptr),
                     fcclInvalidUsage);
    const std::string why = fcclGetLastError(comm);
    if (why.find("FCCL_CHECK: rank 1 called moe dispatch") == std::string::npos) return "unclear: " + why;
    return runMoe(comm, c, rank);
  }, true);
}

TEST_CASE("ranks that disagree on the expert map fail alike before any row moves", "[integration][moe]") {
  onRanks(3, 0, nullptr, [](fcclComm_t comm, int rank) -> std::string {
    MoeCase c = smallCase(3);
    std::vector<int32_t> map = c.expertToRank;
    if (rank == 2) std::swap(map[0], map[7]);
    const std::vector<int32_t> ids = expertIds(c, rank);
    std::vector<float> tokens(10 * 16), recv(64 * 16);
    fcclMoeLayout_t layout = nullptr;
    FCCL_TEST_EXPECT(fcclMoeDispatch(tokens.data(), ids.data(), 10, 16, 2, fcclFloat32, map.data(), 8, recv.data(), 64,
                                     nullptr, &layout, comm, nullptr),
                     fcclInvalidUsage);
    const std::string why = fcclGetLastError(comm);
    if (why.find("another hidden size, topk, datatype or expert map") == std::string::npos) return "unclear: " + why;
    return runMoe(comm, c, rank);
  });
}

}  // namespace fccl::test
