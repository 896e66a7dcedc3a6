// The data the perf tools send and the results they expect: every generated value, and every
// partial result an algorithm may form from them, is exact in every type.
#include "perf_data.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <vector>

#include "perf_sizes.h"

using namespace fccl::perf;

namespace {

// x rounded to type t, as a buffer of t would hold it.
double roundTo(fcclDataType_t t, double x) {
  unsigned char cell[8];
  storeElement(t, cell, 0, x);
  return loadElement(t, cell, 0);
}

// Reduces ranks [first, first + count) (mod n) in that order, rounding to t after every step as
// a ring or tree holding partial results in buffers of t does. Avg follows NCCL: floating types
// pre-multiply each input by 1/n (itself rounded), integer types divide the sum.
// With `prefixes`, also records every partial result along the way.
double reduceInType(const DataSpec& s, size_t index, int first, int count, bool rounding,
                    std::vector<double>* prefixes = nullptr) {
  const auto r = [&](double x) { return rounding ? roundTo(s.type, x) : x; };
  const bool premul = s.op == fcclAvg && isFloatType(s.type);
  const double scale = r(1.0 / s.nranks);
  double acc = 0;
  for (int k = 0; k < count; ++k) {
    double v = inputValue(s, (first + k) % s.nranks, index);
    if (premul) v = r(v * scale);
    if (k == 0) {
      acc = v;
      if (prefixes) prefixes->push_back(acc);
      continue;
    }
    switch (s.op) {
      case fcclProd:
        acc = r(acc * v);
        break;
      case fcclMax:
        acc = std::max(acc, v);
        break;
      case fcclMin:
        acc = std::min(acc, v);
        break;
      default:
        acc = r(acc + v);
        break;
    }
    if (prefixes) prefixes->push_back(acc);
  }
  if (s.op == fcclAvg && !isFloatType(s.type)) acc = std::floor(acc / s.nranks);
  return acc;
}

const int kRankCounts[] = {1, 2, 3, 4, 5, 6, 7, 8, 63, 64};

}  // namespace

TEST_CASE("inputs are small integers that every type holds exactly", "[unit][perf]") {
  for (int t = 0; t < fcclNumTypes; ++t)
    for (int op = 0; op < fcclNumOps; ++op)
      for (auto coll : {Collective::kAllReduce, Collective::kAllGather}) {
        const DataSpec s{coll, static_cast<fcclDataType_t>(t), static_cast<fcclRedOp_t>(op), 5};
        for (int rank = 0; rank < 5; ++rank)
          for (size_t i = 0; i < 200; ++i) {
            const int v = inputValue(s, rank, i);
            REQUIRE(v >= 0);
            REQUIRE(v <= 8);
            REQUIRE(roundTo(s.type, v) == v);
          }
      }
}

TEST_CASE("every partial reduction, in any rank order, is exact in every type", "[unit][perf]") {
  for (int n : kRankCounts)
    for (int t = 0; t < fcclNumTypes; ++t)
      for (int op = 0; op < fcclNumOps; ++op) {
        const DataSpec s{Collective::kAllReduce, static_cast<fcclDataType_t>(t), static_cast<fcclRedOp_t>(op), n};
        if (s.op == fcclAvg) continue;  // the next test case
        INFO("n " << n << " type " << typeName(s.type) << " op " << opName(s.op));
        for (size_t i = 0; i < 2 * static_cast<size_t>(n) + 10; ++i) {
          const double expected = reducedValue(s, i);
          REQUIRE(tolerance(s, expected) == 0);
          // Every run of consecutive ranks from any start is a partial result some ring forms;
          // comparing every prefix of every rotation covers them all.
          for (int first = 0; first < n; ++first) {
            std::vector<double> exact, typed;
            reduceInType(s, i, first, n, false, &exact);
            reduceInType(s, i, first, n, true, &typed);
            REQUIRE(typed == exact);
            REQUIRE(exact.back() == expected);
          }
        }
      }
}

TEST_CASE("avg is exact for integers and power-of-two n, and within tolerance otherwise", "[unit][perf]") {
  for (int n : kRankCounts)
    for (int t = 0; t < fcclNumTypes; ++t) {
      const DataSpec s{Collective::kAllReduce, static_cast<fcclDataType_t>(t), fcclAvg, n};
      const bool exact = !isFloatType(s.type) || (n & (n - 1)) == 0;
      INFO("n " << n << " type " << typeName(s.type));
      for (size_t i = 0; i < 4 * static_cast<size_t>(n); ++i) {
        const double expected = reducedValue(s, i);
        CHECK((tolerance(s, expected) == 0) == exact);
        for (int first = 0; first < n; ++first) {  // premultiplied, summed in type, in n orders
          const double got = reduceInType(s, i, first, n, true);
          if (exact) {
            REQUIRE(got == expected);
          } else {
            REQUIRE(std::fabs(got - expected) <= tolerance(s, expected));
          }
        }
        if (isFloatType(s.type)) {  // an implementation may also sum first, then divide once
          const DataSpec sum{s.coll, s.type, fcclSum, n};
          const double divided = roundTo(s.type, reducedValue(sum, i) / n);
          REQUIRE(std::fabs(divided - expected) <= tolerance(s, expected));
        }
      }
    }
}

TEST_CASE("sum and prod see contributions from every rank", "[unit][perf]") {
  // The window rotates with the index: over n consecutive elements each rank is in it.
  for (int n : kRankCounts) {
    const DataSpec s{Collective::kAllReduce, fcclFloat32, fcclSum, n};
    std::vector<int> contributions(n, 0);
    for (size_t i = 0; i < static_cast<size_t>(n); ++i)
      for (int r = 0; r < n; ++r) contributions[r] += inputValue(s, r, i) != 0;
    for (int r = 0; r < n; ++r) CHECK(contributions[r] == std::min(n, 4));
  }
}

TEST_CASE("expected results follow each collective's layout", "[unit][perf]") {
  const int n = 3;
  const size_t per = 5;
  for (auto coll : {Collective::kAllReduce, Collective::kAllGather, Collective::kReduceScatter, Collective::kAllToAll,
                    Collective::kSendRecv}) {
    const DataSpec s{coll, fcclInt32, fcclMax, n};
    for (int rank = 0; rank < n; ++rank)
      for (size_t i = 0; i < per * n; ++i) {
        double reference = 0;  // computed from the definition of each collective
        switch (coll) {
          case Collective::kAllReduce:
            reference = 0;
            for (int r = 0; r < n; ++r) reference = std::max<double>(reference, inputValue(s, r, i));
            break;
          case Collective::kAllGather:
            reference = inputValue(s, static_cast<int>(i / per), i % per);
            break;
          case Collective::kReduceScatter:
            if (i >= per) continue;
            reference = 0;
            for (int r = 0; r < n; ++r) reference = std::max<double>(reference, inputValue(s, r, rank * per + i));
            break;
          case Collective::kAllToAll:
            reference = inputValue(s, static_cast<int>(i / per), rank * per + i % per);
            break;
          case Collective::kSendRecv:  // rank - 1's input, all of it
            reference = inputValue(s, (rank + n - 1) % n, i);
            break;
          case Collective::kBroadcast:  // covered by the root test below
          case Collective::kReduce:
          case Collective::kAllToAllv:  // covered by its own test below
          case Collective::kMoe:        // not in the list above: its own sweep checks it
            continue;
        }
        REQUIRE(expectedOutput(s, rank, i, per) == reference);
      }
  }
}

TEST_CASE("countWrong finds exactly the wrong elements", "[unit][perf]") {
  const int n = 4;
  for (int t = 0; t < fcclNumTypes; ++t)
    for (auto coll :
         {Collective::kAllReduce, Collective::kAllGather, Collective::kReduceScatter, Collective::kBroadcast,
          Collective::kReduce, Collective::kAllToAll, Collective::kAllToAllv, Collective::kSendRecv}) {
      const double skew = coll == Collective::kAllToAllv ? 1.0 : 0.0;
      const DataSpec s{coll, static_cast<fcclDataType_t>(t), fcclSum, n, 1, skew};
      INFO(typeName(s.type) << " " << collectiveName(coll));
      const SizePlan p = planForBytes(coll, 4096, typeSize(s.type), n, 1, skew);
      std::vector<unsigned char> buffer(p.recvCount * typeSize(s.type));
      for (size_t i = 0; i < p.recvCount; ++i)
        storeElement(s.type, buffer.data(), i, expectedOutput(s, 1, i, p.paramCount));
      CHECK(countWrong(s, 1, buffer.data(), p.recvCount, p.paramCount) == 0);
      storeElement(s.type, buffer.data(), p.recvCount / 2, expectedOutput(s, 1, p.recvCount / 2, p.paramCount) + 1);
      CHECK(countWrong(s, 1, buffer.data(), p.recvCount, p.paramCount) == 1);
      std::memset(buffer.data(), 0xff, buffer.size());  // the poison verify() writes: never right
      CHECK(countWrong(s, 1, buffer.data(), p.recvCount, p.paramCount) == p.recvCount);
    }
}

TEST_CASE("fillInput writes inputValue in every type", "[unit][perf]") {
  for (int t = 0; t < fcclNumTypes; ++t) {
    const DataSpec s{Collective::kAllReduce, static_cast<fcclDataType_t>(t), fcclProd, 6};
    std::vector<unsigned char> buffer(1001 * typeSize(s.type));
    fillInput(s, 5, buffer.data(), 1001);
    for (size_t i = 0; i < 1001; ++i) REQUIRE(loadElement(s.type, buffer.data(), i) == inputValue(s, 5, i));
  }
}

TEST_CASE("broadcast expects the root's input everywhere; reduce checks only the root", "[unit][perf]") {
  const int n = 4;
  for (int root = 0; root < n; ++root) {
    const DataSpec b{Collective::kBroadcast, fcclInt32, fcclSum, n, root};
    const DataSpec r{Collective::kReduce, fcclInt32, fcclMax, n, root};
    const DataSpec all{Collective::kAllReduce, fcclInt32, fcclMax, n};
    for (int rank = 0; rank < n; ++rank)
      for (size_t i = 0; i < 64; ++i) {
        REQUIRE(expectedOutput(b, rank, i, 64) == inputValue(b, root, i));
        REQUIRE(expectedOutput(r, rank, i, 64) == reducedValue(all, i));
      }
    std::vector<int32_t> poison(64, -1);
    for (int rank = 0; rank < n; ++rank) {
      CHECK(countWrong(b, rank, poison.data(), 64, 64) == 64);
      CHECK(countWrong(r, rank, poison.data(), 64, 64) == (rank == root ? 64u : 0u));
    }
  }
  // Broadcast has no op: its inputs are 0..8 from every rank, as allgather's.
  const DataSpec b{Collective::kBroadcast, fcclFloat8e5m2, fcclProd, 5, 2};
  const DataSpec g{Collective::kAllGather, fcclFloat8e5m2, fcclProd, 5};
  for (size_t i = 0; i < 100; ++i) REQUIRE(inputValue(b, 2, i) == inputValue(g, 2, i));
}

TEST_CASE("alltoallv expects, block by block, what each sender put in its block for us", "[unit][perf]") {
  for (int n : {1, 2, 3, 4, 5, 8})
    for (double skew : {0.0, 0.5, 1.0, 2.5})
      for (size_t c : {0, 1, 7, 100}) {
        INFO("n " << n << " skew " << skew << " c " << c);
        const DataSpec s{Collective::kAllToAllv, fcclInt32, fcclSum, n, 0, skew};
        std::vector<PeerBlocks> blocks;
        std::vector<std::vector<int32_t>> inputs, results;
        for (int r = 0; r < n; ++r) {
          blocks.push_back(allToAllvBlocks(c, skew, n, r));
          const size_t total = blocks[r].sendDispls.back() + blocks[r].sendCounts.back();
          inputs.emplace_back(total);
          fillInput(s, r, inputs[r].data(), total);
          results.emplace_back(blocks[r].recvDispls.back() + blocks[r].recvCounts.back(), -1);
        }
        // MPI_Alltoallv by its definition: rank i's block for j lands in j's block from i.
        for (int i = 0; i < n; ++i)
          for (int j = 0; j < n; ++j)
            for (size_t k = 0; k < blocks[i].sendCounts[j]; ++k)
              results[j][blocks[j].recvDispls[i] + k] = inputs[i][blocks[i].sendDispls[j] + k];
        for (int r = 0; r < n; ++r) {
          for (size_t i = 0; i < results[r].size(); ++i) REQUIRE(expectedOutput(s, r, i, c) == results[r][i]);
          CHECK(countWrong(s, r, results[r].data(), results[r].size(), c) == 0);
          if (results[r].empty()) continue;
          results[r].back() += 1;
          CHECK(countWrong(s, r, results[r].data(), results[r].size(), c) == 1);
        }
      }
}
