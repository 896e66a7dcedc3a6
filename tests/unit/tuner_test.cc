// The cost model against its closed forms, and the tuner's choices: what the figures make it
// pick, what FCCL_ALGO / FCCL_PROTO / FCCL_NCHANNELS force, and how a tuner plugin reprices.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "tuner/cost_model.h"
#include "tuner/tuner.h"

namespace fccl::test {
namespace {

TopoShape oneDomain(int n) {
  TopoShape s;
  s.nranks = n;
  s.domains = 1;
  s.ranksPerDomain = n;
  s.allScaleUp = true;
  s.ringScaleOut = false;
  s.hierarchy = true;
  s.multicast = true;
  s.maxChannels = 4;
  return s;
}

TopoShape twoDomains(int perDomain) {
  TopoShape s;
  s.nranks = 2 * perDomain;
  s.domains = 2;
  s.ranksPerDomain = perDomain;
  s.allScaleUp = false;
  s.ringScaleOut = true;
  s.hierarchy = true;
  s.maxChannels = 4;
  return s;
}

constexpr ChunkLimits kChunks{512 << 10, 16 << 10};

Tuner makeTuner(TopoShape shape, const std::string& algo = "", std::optional<Proto> proto = {}, int channels = 0,
                CostParams params = CostParams::defaults()) {
  TunerOverrides o = parseAlgorithmList(algo);
  o.proto = proto;
  o.channels = channels;
  return Tuner(params, shape, o, kChunks);
}

}  // namespace

TEST_CASE("ring all-reduce costs 2(n-1) hops of S/n each, plus half of them reducing", "[unit][tuner][model]") {
  const CostParams p = CostParams::defaults();
  const LinkCost link = p.scaleUp[static_cast<int>(Proto::kSimple)];
  for (int n : {2, 8, 72}) {
    const double bytes = 8 << 20;
    const double step = bytes / n;
    const double expected = 2 * (n - 1) * (link.latencyUs + step / (link.gbps * 1e3) + 0.5 * step / (p.reduceGbps * 1e3));
    const double got = predictUs(p, oneDomain(n), "ring",
                                 {Collective::kAllReduce, static_cast<size_t>(bytes), Proto::kSimple, 1, size_t{64} << 20});
    INFO("n " << n);
    CHECK(got == Approx(expected).epsilon(1e-12));
  }
}

TEST_CASE("a chain pipelines its chunks: r chunks over h hops take h + r - 1 chunk times", "[unit][tuner][model]") {
  const CostParams p = CostParams::defaults();
  const LinkCost link = p.scaleUp[static_cast<int>(Proto::kSimple)];
  const int n = 4;
  const size_t bytes = 4 << 20, chunk = 64 << 10;
  const double piece = static_cast<double>(chunk);  // 4 MiB is 64 chunks of 64 KiB
  const double expected = (n - 1 + 64 - 1) * (link.latencyUs + piece / (link.gbps * 1e3));
  // A ring's steps share one link: chunks do not shorten them.
  CHECK(predictUs(p, oneDomain(n), "ring", {Collective::kAllGather, bytes, Proto::kSimple, 1, chunk}) ==
        predictUs(p, oneDomain(n), "ring", {Collective::kAllGather, bytes, Proto::kSimple, 1, bytes}));
  CHECK(predictUs(p, oneDomain(n), "ring", {Collective::kBroadcast, bytes, Proto::kSimple, 1, chunk}) ==
        Approx(expected).epsilon(1e-12));
}

TEST_CASE("the model refuses what cannot run", "[unit][tuner][model]") {
  const CostParams p = CostParams::defaults();
  CHECK(std::isinf(predictUs(p, oneDomain(4), "nvls", {Collective::kAllReduce, 1 << 20, Proto::kLL, 1, 16 << 10})));
  CHECK(std::isinf(predictUs(p, oneDomain(4), "tree", {Collective::kAllGather, 1 << 20, Proto::kSimple, 1, 1 << 19})));
  TopoShape noHierarchy = twoDomains(2);
  noHierarchy.hierarchy = false;
  CHECK(std::isinf(predictUs(p, noHierarchy, "hier", {Collective::kAllReduce, 1 << 20, Proto::kSimple, 1, 1 << 19})));
  CHECK(std::isinf(predictUs(p, oneDomain(4), "bogus", {Collective::kAllReduce, 1 << 20, Proto::kSimple, 1, 1 << 19})));
  CHECK(std::isfinite(predictUs(p, oneDomain(1), "ring", {Collective::kAllReduce, 1 << 20, Proto::kSimple, 1, 1 << 19})));
}

TEST_CASE("a channel pays only where one channel cannot fill the link", "[unit][tuner][model]") {
  CostParams p = CostParams::defaults();
  const CostQuery one{Collective::kAllReduce, 64 << 20, Proto::kSimple, 1, 512 << 10};
  CostQuery four = one;
  four.channels = 4;
  CHECK(predictUs(p, oneDomain(4), "ring", one) < predictUs(p, oneDomain(4), "ring", four));
  p.channelGbpsUp = p.scaleUp[static_cast<int>(Proto::kSimple)].gbps / 4;  // a channel moves a quarter of the link
  CHECK(predictUs(p, oneDomain(4), "ring", four) < predictUs(p, oneDomain(4), "ring", one));
}

TEST_CASE("the tuner picks a few hops for tiny all-reduces and the ring for large ones", "[unit][tuner]") {
  Tuner tuner = makeTuner(oneDomain(8));
  auto tiny = tuner.choose(Collective::kAllReduce, 8);
  REQUIRE(tiny.isOk());
  CHECK(tiny->algorithm.name != "ring");
  if (usesFifos(tiny->algorithm.name)) CHECK(tiny->proto == Proto::kLL);
  auto large = tuner.choose(Collective::kAllReduce, size_t{256} << 20);
  REQUIRE(large.isOk());
  CHECK(large->proto == Proto::kSimple);
  CHECK(large->chunkBytes <= kChunks.simpleBytes);
  auto gather = tuner.choose(Collective::kAllGather, 8);
  REQUIRE(gather.isOk());
  CHECK(gather->algorithm.collective == Collective::kAllGather);
}

TEST_CASE("the multicast algorithms run only where the multicast object exists", "[unit][tuner][nvls]") {
  TopoShape without = oneDomain(8);
  without.multicast = false;
  for (size_t bytes = 1; bytes < (size_t{1} << 30); bytes *= 4) {
    auto c = makeTuner(without).choose(Collective::kAllReduce, bytes);
    REQUIRE(c.isOk());
    CHECK(usesFifos(c->algorithm.name));
  }
  CHECK_FALSE(makeTuner(without, "nvls").choose(Collective::kAllGather, 1 << 20).isOk());
  CHECK_FALSE(makeTuner(twoDomains(4), "nvls").choose(Collective::kAllReduce, 1 << 20).isOk());
  auto forced = makeTuner(oneDomain(8), "nvls").choose(Collective::kReduceScatter, 8);
  REQUIRE(forced.isOk());
  CHECK(forced->algorithm.name == "nvls");
  CHECK(forced->proto == Proto::kSimple);
  CHECK(forced->channels == 1);
  // One shot reduces the whole buffer on every rank: tiny buffers only.
  const CostParams p = CostParams::defaults();
  CHECK(std::isfinite(predictUs(p, oneDomain(4), "nvls_oneshot", {Collective::kAllReduce, kOneShotMaxBytes, Proto::kSimple, 1, 1})));
  CHECK(std::isinf(predictUs(p, oneDomain(4), "nvls_oneshot", {Collective::kAllReduce, kOneShotMaxBytes + 1, Proto::kSimple, 1, 1})));
  auto large = makeTuner(oneDomain(4), "nvls,nvls_oneshot").choose(Collective::kAllReduce, size_t{1} << 20);
  REQUIRE(large.isOk());
  CHECK(large->algorithm.name == "nvls");
}

TEST_CASE("across domains the tuner sends large all-reduces through the hierarchy", "[unit][tuner]") {
  Tuner tuner = makeTuner(twoDomains(4));
  auto large = tuner.choose(Collective::kAllReduce, size_t{64} << 20);
  REQUIRE(large.isOk());
  CHECK(large->algorithm.name == "hier");
  CHECK(large->proto == Proto::kSimple);  // the rails cross the net
}

TEST_CASE("plans that cross the net cut their chunks to the net's message size", "[unit][tuner]") {
  // One domain: the ring's chunk is the whole slot, the cheapest in the model.
  Tuner inside = makeTuner(oneDomain(2), "ring");
  auto up = inside.choose(Collective::kAllReduce, size_t{64} << 20);
  REQUIRE(up.isOk());
  CHECK(up->chunkBytes == kChunks.simpleBytes);
  // Over the net no chunk is larger than scaleout.message_bytes, whatever the slot holds.
  for (double limit : {128.0 * 1024, 256.0 * 1024}) {
    CostParams params = CostParams::defaults();
    params.scaleOutMessageBytes = limit;
    Tuner across = makeTuner(twoDomains(1), "", {}, 0, params);
    for (size_t bytes : {size_t{1} << 20, size_t{64} << 20}) {
      auto out = across.choose(Collective::kAllReduce, bytes);
      REQUIRE(out.isOk());
      INFO("limit " << limit << ", " << bytes << " bytes: " << out->algorithm.name);
      CHECK(out->chunkBytes <= static_cast<size_t>(limit));
      CHECK(out->chunkBytes >= 64 * 1024);
    }
  }
  // A limit above the slot leaves the slot, however far above (a file may say 1e300).
  CostParams roomy = CostParams::defaults();
  roomy.scaleOutMessageBytes = 1e300;
  auto big = makeTuner(twoDomains(1), "ring", {}, 0, roomy).choose(Collective::kAllReduce, size_t{64} << 20);
  REQUIRE(big.isOk());
  CHECK(big->chunkBytes == kChunks.simpleBytes);
}

TEST_CASE("FCCL_ALGO lists the algorithms to choose from, or with ^ those to leave out", "[unit][tuner]") {
  CHECK(makeTuner(oneDomain(4), "ring").choose(Collective::kAllReduce, 8)->algorithm.name == "ring");
  CHECK(makeTuner(oneDomain(4), "tree, ring").choose(Collective::kAllReduce, size_t{1} << 30)->algorithm.name != "doubling");
  auto excluded = makeTuner(oneDomain(4), "^doubling,tree").choose(Collective::kAllReduce, 8);
  REQUIRE(excluded.isOk());
  CHECK(excluded->algorithm.name != "doubling");
  CHECK(excluded->algorithm.name != "tree");
  // A collective without any listed algorithm keeps its own.
  CHECK(makeTuner(oneDomain(4), "doubling").choose(Collective::kBroadcast, 8)->algorithm.name == "ring");
  auto unknown = makeTuner(oneDomain(4), "ring,bogus").choose(Collective::kAllReduce, 8);
  REQUIRE_FALSE(unknown.isOk());
  CHECK(unknown.status().code() == Code::kInvalidArgument);
  CHECK_THAT(unknown.status().message(), Catch::Contains("'bogus'") && Catch::Contains("known: ring"));
  TopoShape flat = twoDomains(2);
  flat.hierarchy = false;
  auto impossible = makeTuner(flat, "hier").choose(Collective::kAllReduce, 8);
  REQUIRE_FALSE(impossible.isOk());
  CHECK_THAT(impossible.status().message(), Catch::Contains("can run on this communicator"));
}

TEST_CASE("FCCL_PROTO and FCCL_NCHANNELS force the protocol and the channel count", "[unit][tuner]") {
  auto simple = makeTuner(oneDomain(4), "", Proto::kSimple).choose(Collective::kAllReduce, 8);
  REQUIRE(simple.isOk());
  CHECK(simple->proto == Proto::kSimple);
  auto ll = makeTuner(oneDomain(4), "ring", Proto::kLL).choose(Collective::kAllReduce, size_t{64} << 20);
  REQUIRE(ll.isOk());
  CHECK(ll->proto == Proto::kLL);
  CHECK(ll->chunkBytes == kChunks.llBytes);
  // Across the net an LL call runs Simple on the net's hops: the same price, so Simple is chosen.
  auto across = makeTuner(twoDomains(2), "ring").choose(Collective::kAllReduce, 8);
  REQUIRE(across.isOk());
  CHECK(across->proto == Proto::kSimple);
  auto three = makeTuner(oneDomain(4), "ring", std::nullopt, 3).choose(Collective::kAllGather, 1 << 20);
  REQUIRE(three.isOk());
  CHECK(three->channels == 3);
}

TEST_CASE("a choice is made once per collective and size", "[unit][tuner]") {
  Tuner tuner = makeTuner(oneDomain(4));
  for (size_t bytes = 1; bytes < (size_t{1} << 28); bytes *= 3) {
    auto first = tuner.choose(Collective::kAllReduce, bytes);
    auto again = tuner.choose(Collective::kAllReduce, bytes);
    REQUIRE(first.isOk());
    REQUIRE(again.isOk());
    CHECK(first->algorithm.name == again->algorithm.name);
    CHECK(first->predictedUs == again->predictedUs);
  }
}

// ---- a tuner plugin, built into the test ----
namespace {

int gInfoCalls = 0;
int gAnswer = 0;  // 0: make tree cheapest, 1: rule everything out, 2: ask for 99 channels

fcclResult_t pluginInit(const fcclTunerTopo_t* topo, fcclLogFn, void** ctx) {
  *ctx = const_cast<fcclTunerTopo_t*>(topo);
  return fcclSuccess;
}
fcclResult_t pluginInfo(void*, fcclTunerColl_t coll, size_t, float* cost, int numAlgos, int numProtos, int* channels) {
  ++gInfoCalls;
  if (coll != fcclTunerAllReduce || numAlgos != fcclTunerNumAlgos || numProtos != fcclTunerNumProtos) return fcclInternalError;
  for (int i = 0; i < numAlgos * numProtos; ++i) {
    if (gAnswer == 1) cost[i] = -1;
    if (gAnswer == 0 && i == fcclTunerAlgoTree * numProtos + fcclTunerProtoSimple) cost[i] = 0.01f;
    if (gAnswer == 0 && i == fcclTunerAlgoNvls * numProtos + fcclTunerProtoLL) cost[i] = 0;  // cannot run: stays out
  }
  if (gAnswer == 2) *channels = 99;
  else if (gAnswer == 0) *channels = 2;
  return fcclSuccess;
}
fcclResult_t pluginFinalize(void*) { return fcclSuccess; }

fcclTuner_v1_t makePlugin() {
  return fcclTuner_v1_t{sizeof(fcclTuner_v1_t), FCCL_TUNER_VERSION(1, 0), "test", pluginInit, pluginInfo, pluginFinalize};
}

Tuner tunerWith(const fcclTuner_v1_t& plugin) {
  const fcclTunerTopo_t topo{4, 1, 4, 4};
  auto loaded = TunerPlugin::fromPlugin(&plugin, "built-in test plugin", nullptr, topo);
  REQUIRE(loaded.isOk());
  return Tuner(CostParams::defaults(), oneDomain(4), {}, kChunks, std::move(loaded).take());
}

}  // namespace

TEST_CASE("a tuner plugin reprices the table, and its channel count stands", "[unit][tuner][plugin]") {
  static const fcclTuner_v1_t plugin = makePlugin();
  gAnswer = 0;
  gInfoCalls = 0;
  Tuner tuner = tunerWith(plugin);
  auto choice = tuner.choose(Collective::kAllReduce, 1 << 20);
  REQUIRE(choice.isOk());
  CHECK(choice->algorithm.name == "tree");
  CHECK(choice->proto == Proto::kSimple);
  CHECK(choice->channels == 2);
  REQUIRE(tuner.choose(Collective::kAllReduce, 1 << 20).isOk());
  CHECK(gInfoCalls == 1);  // kept
}

TEST_CASE("a tuner plugin that rules everything out leaves fccl's choice; a bad channel count is an error",
          "[unit][tuner][plugin]") {
  static const fcclTuner_v1_t plugin = makePlugin();
  gAnswer = 1;
  auto kept = tunerWith(plugin).choose(Collective::kAllReduce, 1 << 20);
  REQUIRE(kept.isOk());
  CHECK(kept->algorithm.name == makeTuner(oneDomain(4)).choose(Collective::kAllReduce, 1 << 20)->algorithm.name);
  gAnswer = 2;
  auto bad = tunerWith(plugin).choose(Collective::kAllReduce, 1 << 20);
  REQUIRE_FALSE(bad.isOk());
  CHECK_THAT(bad.status().message(), Catch::Contains("asked for 99 channels"));
}

TEST_CASE("a tuner plugin with a missing hook or another major version is refused", "[unit][tuner][plugin]") {
  const fcclTunerTopo_t topo{4, 1, 4, 4};
  fcclTuner_v1_t missing = makePlugin();
  missing.getCollInfo = nullptr;
  auto a = TunerPlugin::fromPlugin(&missing, "lib.so", nullptr, topo);
  REQUIRE_FALSE(a.isOk());
  CHECK_THAT(a.status().message(), Catch::Contains("getCollInfo"));
  fcclTuner_v1_t newer = makePlugin();
  newer.version = FCCL_TUNER_VERSION(2, 0);
  auto b = TunerPlugin::fromPlugin(&newer, "lib.so", nullptr, topo);
  REQUIRE_FALSE(b.isOk());
  CHECK_THAT(b.status().message(), Catch::Contains("major version 2"));
  fcclTuner_v1_t small = makePlugin();
  small.size = 8;
  CHECK_FALSE(TunerPlugin::fromPlugin(&small, "lib.so", nullptr, topo).isOk());
  CHECK_FALSE(TunerPlugin::fromPlugin(nullptr, "lib.so", nullptr, topo).isOk());
}

TEST_CASE("where ranks outnumber the cores, each dependent step costs a wake-up", "[unit][tuner][model]") {
  // Every hop of a FIFO algorithm and every sync of the multicast object pays one: a tiny
  // all-reduce then goes to the one-shot multicast (one sync) rather than doubling's rounds.
  TopoShape spare = oneDomain(4), crowded = oneDomain(4);
  crowded.oversubscribed = true;
  const CostParams p = CostParams::defaults();
  const CostQuery ll{Collective::kAllReduce, 8, Proto::kLL, 1, 4096};
  const CostQuery simple{Collective::kAllReduce, 8, Proto::kSimple, 1, 4096};
  for (const char* algo : {"ring", "doubling"}) {
    INFO(algo);
    CHECK(predictUs(p, crowded, algo, ll) > predictUs(p, spare, algo, ll));
  }
  const double oneShotWake = predictUs(p, crowded, "nvls_oneshot", simple) - predictUs(p, spare, "nvls_oneshot", simple);
  CHECK(oneShotWake > 0);
  // A ring all-reduce of 4 ranks: 2(n-1) = 6 dependent steps, each one wake-up, as one sync.
  CHECK(predictUs(p, crowded, "ring", ll) - predictUs(p, spare, "ring", ll) == Approx(6 * oneShotWake));
  CHECK(makeTuner(spare).choose(Collective::kAllReduce, 8)->algorithm.name == "doubling");
  CHECK(makeTuner(crowded).choose(Collective::kAllReduce, 8)->algorithm.name == "nvls_oneshot");
}

}  // namespace fccl::test
