// The command line of fccl-perf / mpi-perf, and the size arithmetic of the table.
#include "perf_args.h"

#include <catch2/catch.hpp>

#include "perf_sizes.h"

using namespace fccl::perf;

namespace {

ParseResult parse(std::vector<std::string> args) { return parseArgs(args); }

Options parseOk(std::vector<std::string> args) {
  ParseResult r = parseArgs(args);
  INFO("error: " << r.error);
  REQUIRE(r.options);
  return *r.options;
}

}  // namespace

TEST_CASE("sizes accept nccl-tests' K M G suffixes as binary multiples", "[unit][perf]") {
  CHECK(parseSize("0") == 0u);
  CHECK(parseSize("8") == 8u);
  CHECK(parseSize("1K") == 1024u);
  CHECK(parseSize("1k") == 1024u);
  CHECK(parseSize("64M") == 64u << 20);
  CHECK(parseSize("2G") == size_t{2} << 30);
  CHECK(parseSize("1.5K") == 1536u);
  for (const char* bad : {"", "K", "-1", "1X", "1KB", "abc", "1e3", " 8", "8 ", "+8", "0x10"}) {
    INFO(bad);
    CHECK_FALSE(parseSize(bad));
  }
}

TEST_CASE("defaults are nccl-tests' defaults", "[unit][perf]") {
  const Options o = parseOk({});
  CHECK(o.collective == Collective::kAllReduce);
  CHECK(o.minBytes == 32u << 20);
  CHECK(o.maxBytes == 32u << 20);
  CHECK(o.stepFactor == 1);
  CHECK(o.stepBytes == 1u << 20);
  CHECK(o.iters == 20);
  CHECK(o.warmupIters == 5);
  CHECK(o.check);
  CHECK(o.types == std::vector<fcclDataType_t>{fcclFloat32});
  CHECK(o.ops == std::vector<fcclRedOp_t>{fcclSum});
  CHECK(o.average == 1);
  CHECK(o.skew == 0);
  CHECK(o.csvPath.empty());
  CHECK_FALSE(o.help);
}

TEST_CASE("every flag is read in short, long and attached forms", "[unit][perf]") {
  const Options o = parseOk({"-b", "8", "--maxbytes", "64M", "-f4",   "--stepbytes=1K", "-n", "7",
                             "-w", "0", "-c",         "0",   "-d",    "bfloat16",       "-o", "max",
                             "-a", "3", "-r",         "2",   "--csv", "out.csv",        "-k", "1.5"});
  CHECK(o.minBytes == 8);
  CHECK(o.maxBytes == 64u << 20);
  CHECK(o.stepFactor == 4);
  CHECK(o.stepBytes == 1024);
  CHECK(o.iters == 7);
  CHECK(o.warmupIters == 0);
  CHECK_FALSE(o.check);
  CHECK(o.types == std::vector<fcclDataType_t>{fcclBfloat16});
  CHECK(o.ops == std::vector<fcclRedOp_t>{fcclMax});
  CHECK(o.average == 3);
  CHECK(o.root == 2);
  CHECK(o.csvPath == "out.csv");
  CHECK(o.skew == 1.5);
  const Options l = parseOk({"--minbytes=1K", "--iters=3", "--warmup_iters", "1", "--check=1", "--datatype=fp8e5m2",
                             "--op", "avg", "--average=0", "--root=0", "--skew=0.25"});
  CHECK(l.minBytes == 1024);
  CHECK(l.iters == 3);
  CHECK(l.types == std::vector<fcclDataType_t>{fcclFloat8e5m2});
  CHECK(l.ops == std::vector<fcclRedOp_t>{fcclAvg});
  CHECK(l.average == 0);
  CHECK(l.root == 0);
  CHECK(l.skew == 0.25);
  CHECK(parseOk({"-k3"}).skew == 3);
  CHECK(parseOk({"--skew", "0"}).skew == 0);
  CHECK(parseOk({"-h"}).help);
  CHECK(parseOk({"--help"}).help);
}

TEST_CASE("the collective is a word anywhere on the line", "[unit][perf]") {
  CHECK(parseOk({"allgather", "-b", "8"}).collective == Collective::kAllGather);
  CHECK(parseOk({"-b", "8", "reducescatter"}).collective == Collective::kReduceScatter);
  CHECK(parseOk({"alltoall"}).collective == Collective::kAllToAll);
  CHECK(parseOk({"all_reduce"}).collective == Collective::kAllReduce);
  CHECK(parseOk({"reduce_scatter"}).collective == Collective::kReduceScatter);
  CHECK(parseOk({"-r", "1", "broadcast"}).collective == Collective::kBroadcast);
  CHECK(parseOk({"reduce"}).collective == Collective::kReduce);
  CHECK(parseOk({"alltoallv", "-k", "1"}).collective == Collective::kAllToAllv);
  CHECK(parseOk({"all_to_allv"}).collective == Collective::kAllToAllv);
  CHECK(parseOk({"sendrecv"}).collective == Collective::kSendRecv);
  CHECK(parseOk({"send_recv"}).collective == Collective::kSendRecv);
  for (auto c : {Collective::kAllReduce, Collective::kAllGather, Collective::kReduceScatter, Collective::kAllToAll,
                 Collective::kBroadcast, Collective::kReduce, Collective::kAllToAllv, Collective::kSendRecv})
    CHECK(parseCollective(collectiveName(c)) == c);
  CHECK(collectiveName(Collective::kAllToAllv) == "alltoallv");
  CHECK(collectiveName(Collective::kSendRecv) == "sendrecv");
  for (auto c : {Collective::kAllToAll, Collective::kAllToAllv, Collective::kSendRecv}) {
    CHECK_FALSE(hasReduction(c));
    CHECK_FALSE(hasRoot(c));
  }
  CHECK(collectiveName(Collective::kBroadcast) == "broadcast");
  CHECK(collectiveName(Collective::kReduce) == "reduce");
  CHECK(hasReduction(Collective::kReduce));
  CHECK_FALSE(hasReduction(Collective::kBroadcast));
  CHECK(hasRoot(Collective::kBroadcast));
  CHECK(hasRoot(Collective::kReduce));
  CHECK_FALSE(hasRoot(Collective::kAllReduce));
  CHECK_FALSE(parse({"gather"}).options);
  for (const char* name : {"allreduce", "alltoallv", "broadcast", "reduce", "sendrecv"})
    CHECK(parse({"scatter"}).error.find(name) != std::string::npos);
  CHECK_FALSE(parse({"allreduce", "allgather"}).options);
}

TEST_CASE("all sweeps every type and every op", "[unit][perf]") {
  const Options o = parseOk({"-d", "all", "-o", "all"});
  REQUIRE(o.types.size() == fcclNumTypes);
  REQUIRE(o.ops.size() == fcclNumOps);
  for (int t = 0; t < fcclNumTypes; ++t) CHECK(o.types[t] == t);
  for (const char* name : {"int8", "uint8", "int32", "uint32", "int64", "uint64", "half", "float", "double", "bfloat16",
                           "fp8e4m3", "fp8e5m2"}) {
    auto t = parseType(name);
    REQUIRE(t);
    CHECK(typeName(*t) == name);
  }
  for (const char* name : {"sum", "prod", "max", "min", "avg"}) CHECK(opName(*parseOp(name)) == name);
}

TEST_CASE("bad flags and values are rejected with the flag named", "[unit][perf]") {
  struct Bad {
    std::vector<std::string> args;
    const char* mentions;
  };
  const Bad cases[] = {
      {{"-c", "2"}, "--check"},
      {{"-a", "4"}, "--average"},
      {{"-n", "0"}, "--iters"},
      {{"-w", "-1"}, "--warmup"},
      {{"-d", "float128"}, "--datatype"},
      {{"-o", "xor"}, "--op"},
      {{"-b", "1X"}, "--minbytes"},
      {{"-f", "0"}, "--stepfactor"},
      {{"-f", "1.5"}, "--stepfactor"},
      {{"--foo"}, "--foo"},
      {{"-x"}, "-x"},
      {{"-b"}, "-b"},
      {{"-b", "2M", "-e", "1M"}, "--minbytes"},
      {{"-i", "0"}, "--stepbytes"},
      {{"--help=1"}, "--help"},
      {{"-n", "2x"}, "--iters"},
      {{"-t", "1"}, "-t"},
      {{"--csv="}, "--csv"},
      {{"-k", "-1"}, "--skew"},
      {{"-k", "x"}, "--skew"},
      {{"--skew=nan"}, "--skew"},
      {{"--skew", "inf"}, "--skew"},
      {{"-k", "1e3"}, "--skew"},
      {{"-k", "1,5"}, "--skew"},
      {{"-k"}, "-k"},
  };
  for (const auto& c : cases) {
    const ParseResult r = parse(c.args);
    INFO(c.args.front() << " -> " << r.error);
    CHECK_FALSE(r.options);
    CHECK(r.error.find(c.mentions) != std::string::npos);
  }
}

TEST_CASE("bus bandwidth uses nccl-tests' factors", "[unit][perf]") {
  for (int n = 1; n <= 8; ++n) {
    CHECK(busBwFactor(Collective::kAllReduce, n) == Approx(2.0 * (n - 1) / n));
    CHECK(busBwFactor(Collective::kAllGather, n) == Approx(1.0 * (n - 1) / n));
    CHECK(busBwFactor(Collective::kReduceScatter, n) == Approx(1.0 * (n - 1) / n));
    CHECK(busBwFactor(Collective::kAllToAll, n) == Approx(1.0 * (n - 1) / n));
    CHECK(busBwFactor(Collective::kBroadcast, n) == 1.0);
    CHECK(busBwFactor(Collective::kReduce, n) == 1.0);
    CHECK(busBwFactor(Collective::kAllToAllv, n) == Approx(1.0 * (n - 1) / n));
    CHECK(busBwFactor(Collective::kSendRecv, n) == 1.0);
  }
  CHECK(busBwFactor(Collective::kAllReduce, 4) == 1.5);
  CHECK(algBwGBs(1000000000, 0.5) == 2.0);
}

TEST_CASE("counts round down to whole elements and whole per-rank blocks", "[unit][perf]") {
  SECTION("allreduce: count = bytes / typesize") {
    const SizePlan p = planForBytes(Collective::kAllReduce, 10, 4, 3, 1);
    CHECK(p.paramCount == 2);
    CHECK(p.rowBytes == 8);
    CHECK(p.sendInPlaceOffset == 0);
    CHECK(p.recvInPlaceOffset == 0);
  }
  SECTION("allgather: the row is the bytes received") {
    const SizePlan p = planForBytes(Collective::kAllGather, 100, 4, 3, 2);  // 25 elements -> 8 per rank
    CHECK(p.paramCount == 8);
    CHECK(p.sendCount == 8);
    CHECK(p.recvCount == 24);
    CHECK(p.rowBytes == 96);
    CHECK(p.sendInPlaceOffset == 16);
  }
  SECTION("reducescatter: the row is the bytes sent") {
    const SizePlan p = planForBytes(Collective::kReduceScatter, 100, 4, 3, 2);
    CHECK(p.paramCount == 8);
    CHECK(p.sendCount == 24);
    CHECK(p.recvCount == 8);
    CHECK(p.rowBytes == 96);
    CHECK(p.recvInPlaceOffset == 16);
  }
  SECTION("a size smaller than one element per rank runs with count 0") {
    const SizePlan p = planForBytes(Collective::kAllGather, 8, 4, 4, 0);
    CHECK(p.paramCount == 0);
    CHECK(p.rowBytes == 0);
  }
  SECTION("every n and type keeps the row a whole multiple of n elements") {
    for (int n = 1; n <= 8; ++n)
      for (size_t ts : {1, 2, 4, 8})
        for (size_t bytes : {0, 1, 7, 8, 1000, 4096, 65537}) {
          const SizePlan p = planForBytes(Collective::kReduceScatter, bytes, ts, n, n - 1);
          CHECK(p.sendCount % n == 0);
          CHECK(p.rowBytes <= bytes);
          CHECK(p.recvInPlaceOffset + p.recvCount <= p.sendCount);
        }
  }
}

TEST_CASE("the sweep multiplies by -f or adds -i up to -e", "[unit][perf]") {
  Options o = parseOk({"-b", "8", "-e", "64M", "-f", "4"});
  const auto sizes = sweepSizes(o);
  REQUIRE(sizes.size() == 12);
  CHECK(sizes.front() == 8);
  CHECK(sizes.back() == 32u << 20);
  o = parseOk({"-b", "1K", "-e", "4K", "-i", "1K"});
  CHECK(sweepSizes(o) == std::vector<size_t>{1024, 2048, 3072, 4096});
  o = parseOk({"-b", "0", "-e", "1K", "-f", "2"});
  CHECK(sweepSizes(o) == std::vector<size_t>{0});
  o = parseOk({"-b", "1G", "-e", "1G"});
  CHECK(sweepSizes(o) == std::vector<size_t>{size_t{1} << 30});
}

TEST_CASE("the root must be a rank of the job, for the collectives that have one", "[unit][perf]") {
  Options o = parseOk({"broadcast", "-r", "3"});
  CHECK(checkRoot(o, 4).empty());
  CHECK(checkRoot(o, 3).find("--root 3") != std::string::npos);
  CHECK(checkRoot(o, 3).find("0 <= root < 3") != std::string::npos);
  o.collective = Collective::kReduce;
  CHECK_FALSE(checkRoot(o, 1).empty());
  o.root = 0;
  CHECK(checkRoot(o, 1).empty());
  CHECK(checkRoot(parseOk({"allreduce", "-r", "9"}), 2).empty());  // no root: -r is ignored
  CHECK(parse({"reduce", "-r", "-1"}).error.find("--root") != std::string::npos);
}

TEST_CASE("broadcast and reduce send and receive count elements, the size column count*typesize",
          "[unit][perf]") {
  for (auto c : {Collective::kBroadcast, Collective::kReduce})
    for (int n : {1, 3, 4}) {
      const SizePlan p = planForBytes(c, 100, 8, n, n - 1);  // 12 whole elements, whatever n
      CHECK(p.paramCount == 12);
      CHECK(p.sendCount == 12);
      CHECK(p.recvCount == 12);
      CHECK(p.sendInPlaceOffset == 0);
      CHECK(p.recvInPlaceOffset == 0);
      CHECK(p.rowBytes == 96);
    }
}

TEST_CASE("sendrecv sends and receives count elements, the size column count*typesize", "[unit][perf]") {
  for (int n : {1, 2, 4}) {
    const SizePlan p = planForBytes(Collective::kSendRecv, 100, 8, n, 0);
    CHECK(p.paramCount == 12);
    CHECK(p.sendCount == 12);
    CHECK(p.recvCount == 12);
    CHECK(p.sendInPlaceOffset == 0);
    CHECK(p.recvInPlaceOffset == 0);
    CHECK(p.rowBytes == 96);
    CHECK(p.blocks.sendCounts.empty());
  }
}

TEST_CASE("alltoallv counts are alltoall's scaled by 1 + F((i+j) mod n)/(n-1), normalised to the mean",
          "[unit][perf]") {
  // n 4, F 1, 4000 floats: c = 1000 and the weights are 1, 4/3, 5/3, 2 over a mean of 3/2.
  const SizePlan r0 = planForBytes(Collective::kAllToAllv, 16000, 4, 4, 0, 1.0);
  CHECK(r0.paramCount == 1000);
  CHECK(r0.blocks.sendCounts == std::vector<size_t>{666, 888, 1111, 1333});
  CHECK(r0.blocks.sendDispls == std::vector<size_t>{0, 666, 1554, 2665});
  CHECK(r0.sendCount == 3998);
  CHECK(r0.rowBytes == 3998 * 4);
  const SizePlan r1 = planForBytes(Collective::kAllToAllv, 16000, 4, 4, 1, 1.0);
  CHECK(r1.blocks.sendCounts == std::vector<size_t>{888, 1111, 1333, 666});
  CHECK(allToAllvCount(1000, 1.0, 3, 0, 4) == 1333);
  CHECK(allToAllvCount(1000, 1.0, 3, 1, 4) == 666);
  CHECK(allToAllvCount(1000, 7.0, 0, 0, 1) == 1000);  // one rank: nothing to skew
}

TEST_CASE("alltoallv blocks are packed, match between sender and receiver, and fit the nominal size", "[unit][perf]") {
  for (int n : {1, 2, 3, 4, 5, 8})
    for (double skew : {0.0, 0.5, 1.0, 3.0})
      for (size_t ts : {1, 4, 8})
        for (size_t bytes : {0, 1, 8, 1000, 4096, 65537, 1 << 20}) {
          INFO("n " << n << " skew " << skew << " typesize " << ts << " bytes " << bytes);
          std::vector<SizePlan> plans;
          for (int r = 0; r < n; ++r) plans.push_back(planForBytes(Collective::kAllToAllv, bytes, ts, n, r, skew));
          const SizePlan a2a = planForBytes(Collective::kAllToAll, bytes, ts, n, 0);
          size_t smallest = SIZE_MAX, largest = 0;
          for (int r = 0; r < n; ++r) {
            const SizePlan& p = plans[r];
            const PeerBlocks& b = p.blocks;
            REQUIRE(b.sendCounts.size() == static_cast<size_t>(n));
            CHECK(p.paramCount == a2a.paramCount);
            CHECK(p.rowBytes == plans[0].rowBytes);  // rank 0 prints the same row for everyone
            CHECK(p.rowBytes == p.sendCount * ts);
            CHECK(p.rowBytes <= bytes);
            CHECK(p.sendCount == p.recvCount);
            CHECK(b.sendCounts == b.recvCounts);  // the in-place layout
            CHECK(b.sendDispls == b.recvDispls);
            size_t packed = 0;
            for (int j = 0; j < n; ++j) {
              CHECK(b.sendDispls[j] == packed);
              packed += b.sendCounts[j];
              CHECK(plans[j].blocks.recvCounts[r] == b.sendCounts[j]);
              smallest = std::min(smallest, b.sendCounts[j]);
              largest = std::max(largest, b.sendCounts[j]);
            }
            CHECK(packed == p.sendCount);
            if (skew == 0) CHECK(p.rowBytes == a2a.rowBytes);
          }
          if (n > 1 && a2a.paramCount >= 1000)  // large enough that flooring does not matter
            CHECK(static_cast<double>(largest) / static_cast<double>(smallest) == Approx(1 + skew).epsilon(0.01));
        }
}
