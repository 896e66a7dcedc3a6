// Hierarchical and direct all-to-allv plans run on the plan simulator for whole jobs: domains of
// every shape, zero, skewed and random counts, blocks cut into pieces (as a MoE dispatch cuts
// them), displacements out of order with gaps, in and out of place, chunk sizes from one element
// up and FIFOs of one and two slots; every element checked against where the call puts it. Then
// the traffic: between domains only rail peers talk, one message per (domain, rail) pair.
#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>
#include <random>
#include <sstream>

#include "algorithms/exchange/all_to_all_hier.h"
#include "algorithms/exchange/block_layout.h"
#include "algorithms/exchange/exchange_choice.h"
#include "harness/plan_sim.h"

namespace fccl::test {
namespace {

constexpr double kUnwritten = -1;

// A job's blocks and every rank's offsets, built the way a test wants them.
struct Job {
  int domains, perDomain;
  int nranks() const { return domains * perDomain; }
  std::vector<std::vector<size_t>> pieces;  // [src * n + dst]
  std::vector<std::vector<std::vector<size_t>>> sendOffsets, recvOffsets;  // [rank][peer][piece]
  std::vector<size_t> inputSize, outputSize;
  // Rank r of the job; domain d holds ranks d*L .. d*L+L-1 unless the ring order says otherwise.
  std::vector<int> ringOrder;
};

std::vector<size_t> randomPieces(size_t total, int count, std::mt19937& rng) {
  std::vector<size_t> cuts{0, total};
  for (int i = 1; i < count; ++i) cuts.push_back(std::uniform_int_distribution<size_t>(0, total)(rng));
  std::sort(cuts.begin(), cuts.end());
  std::vector<size_t> out;
  for (size_t i = 1; i < cuts.size(); ++i) out.push_back(cuts[i] - cuts[i - 1]);
  return out;
}

// Places every piece of `blocks` (one list of piece sizes per peer) in a buffer: peers in a
// shuffled order when `shuffle`, a gap of `gap` elements before each block, pieces of a block
// back to back unless `scatter` (then each piece gets its own gap, as a combine's input).
std::vector<std::vector<size_t>> place(const std::vector<const std::vector<size_t>*>& blocks, bool shuffle,
                                       size_t gap, bool scatter, std::mt19937& rng, size_t& size) {
  std::vector<size_t> order(blocks.size());
  std::iota(order.begin(), order.end(), size_t{0});
  if (shuffle) std::shuffle(order.begin(), order.end(), rng);
  std::vector<std::vector<size_t>> offsets(blocks.size());
  size = 0;
  for (size_t peer : order) {
    size += gap;
    for (size_t piece : *blocks[peer]) {
      offsets[peer].push_back(size);
      size += piece + (scatter ? gap : 0);
    }
  }
  return offsets;
}

struct JobOptions {
  int piecesPerBlock = 1;
  bool shuffle = false;
  size_t gap = 0;
  bool scatterSends = false;
};

Job makeJob(int domains, int perDomain, const std::vector<size_t>& counts, const JobOptions& o, uint32_t seed) {
  std::mt19937 rng(seed);
  Job job{domains, perDomain, {}, {}, {}, {}, {}, {}};
  const int n = job.nranks();
  for (int r = 0; r < n; ++r) job.ringOrder.push_back(r);
  for (int s = 0; s < n; ++s)
    for (int d = 0; d < n; ++d)
      job.pieces.push_back(randomPieces(counts[static_cast<size_t>(s * n + d)], o.piecesPerBlock, rng));
  for (int r = 0; r < n; ++r) {
    std::vector<const std::vector<size_t>*> out, in;
    for (int p = 0; p < n; ++p) {
      out.push_back(&job.pieces[static_cast<size_t>(r * n + p)]);
      in.push_back(&job.pieces[static_cast<size_t>(p * n + r)]);
    }
    size_t inSize = 0, outSize = 0;
    job.sendOffsets.push_back(place(out, o.shuffle, o.gap, o.scatterSends, rng, inSize));
    job.recvOffsets.push_back(place(in, o.shuffle, o.gap, false, rng, outSize));
    job.inputSize.push_back(inSize);
    job.outputSize.push_back(outSize);
  }
  return job;
}

// Rank `rank`'s view: the blocks it sends, receives and forwards (from its domain to its rail
// peers) are right; every other block is a size no plan may use.
BlockLayout layoutOf(const Job& job, int rank) {
  BlockLayout layout{job.nranks(), job.pieces, job.sendOffsets[static_cast<size_t>(rank)],
                     job.recvOffsets[static_cast<size_t>(rank)]};
  const int L = job.perDomain;
  for (int s = 0; s < job.nranks(); ++s)
    for (int d = 0; d < job.nranks(); ++d) {
      const bool forwarded = s / L == rank / L && d % L == rank % L;
      if (s != rank && d != rank && !forwarded) layout.pieces[static_cast<size_t>(s * job.nranks() + d)] = {999999};
    }
  return layout;
}

Hierarchy hierarchyOf(const Job& job, int rank) {
  std::vector<int> domainOf(static_cast<size_t>(job.nranks()));
  for (int r = 0; r < job.nranks(); ++r) domainOf[static_cast<size_t>(r)] = r / job.perDomain;
  auto h = makeHierarchy(job.ringOrder, domainOf, rank);
  REQUIRE(h.isOk());
  return *h;
}

// What element `e` of the block from `src` to `dst` holds: tells every block and element apart.
double value(int src, int dst, size_t e) { return 1 + src * 1e9 + dst * 1e6 + static_cast<double>(e); }

size_t roundsOf(const Plan& plan, size_t chunk) {
  size_t rounds = 0;
  for (const Step& s : plan.channels[0].steps) {
    const size_t elems = primReadsSrc(s.prim) ? s.src.count : s.dst.count;
    if (elems > 0) rounds = std::max(rounds, s.lag + (elems + chunk - 1) / chunk);
  }
  return rounds;
}

// The two plans a rank runs one after the other, as one: the executor moves a step's chunk c in
// round c + lag of its own rounds, so running `rails` once `first` has ended is running it
// lagged by the rounds of `first`.
Plan oneAfterOther(HierPlans plans, size_t chunk) {
  const size_t rounds = roundsOf(plans.first, chunk);
  for (Step s : plans.rails.channels[0].steps) {
    s.lag += static_cast<uint32_t>(rounds);
    plans.first.channels[0].steps.push_back(s);
  }
  return plans.first;
}

constexpr size_t kAllOnRails = SIZE_MAX, kDirect = 0;

// hier with blocks of up to `railMax` elements on the rails; kDirect: the direct plan.
std::vector<Plan> plansOf(const Job& job, size_t railMax, size_t chunk) {
  std::vector<Plan> plans;
  for (int r = 0; r < job.nranks(); ++r) {
    const BlockLayout layout = layoutOf(job, r);
    if (railMax == kDirect) {
      auto plan = directBlockPlan(r, layout, chunk);
      REQUIRE(plan.isOk());
      plans.push_back(std::move(plan).take());
      continue;
    }
    auto both = hierAllToAllvPlans(hierarchyOf(job, r), r, layout, railMax, chunk);
    REQUIRE(both.isOk());
    REQUIRE(both->first.scratchElems == both->rails.scratchElems);
    plans.push_back(oneAfterOther(std::move(both).take(), chunk));
  }
  return plans;
}

// Runs the job; "" when every rank's output holds exactly what the call puts there.
std::string runJob(const Job& job, size_t railMax, size_t chunk, size_t slots, bool inPlace = false) {
  const int n = job.nranks();
  std::vector<Plan> plans = plansOf(job, railMax, chunk);
  std::vector<SimRank> ranks;
  for (int r = 0; r < n; ++r) {
    const size_t ur = static_cast<size_t>(r);
    std::vector<double> input(job.inputSize[ur], kUnwritten);
    for (int d = 0; d < n; ++d) {
      size_t e = 0;
      const auto& pieces = job.pieces[static_cast<size_t>(r * n + d)];
      for (size_t p = 0; p < pieces.size(); ++p)
        for (size_t k = 0; k < pieces[p]; ++k) input[job.sendOffsets[ur][static_cast<size_t>(d)][p] + k] = value(r, d, e++);
    }
    const size_t scratch = plans[ur].scratchElems;
    SimRank rank = inPlace ? inPlaceRank(std::move(plans[ur]), input, 0, input.size())
                           : outOfPlaceRank(std::move(plans[ur]), input, job.outputSize[ur], kUnwritten);
    if (scratch > 0) {
      rank.extra.push_back({rank.memory.size(), scratch});
      rank.memory.resize(rank.memory.size() + scratch, kUnwritten);
    }
    ranks.push_back(std::move(rank));
  }
  SimResult result = simulate(ranks, SimOptions{chunk, slots, false});
  if (!result.ok()) return result.error;
  for (int r = 0; r < n; ++r) {
    const size_t ur = static_cast<size_t>(r);
    std::vector<double> want(job.outputSize[ur], kUnwritten);
    for (int s = 0; s < n; ++s) {
      size_t e = 0;
      const auto& pieces = job.pieces[static_cast<size_t>(s * n + r)];
      for (size_t p = 0; p < pieces.size(); ++p)
        for (size_t k = 0; k < pieces[p]; ++k) want[job.recvOffsets[ur][static_cast<size_t>(s)][p] + k] = value(s, r, e++);
    }
    const std::vector<double> got = contents(ranks[ur], ranks[ur].output);
    for (size_t i = 0; i < want.size(); ++i)
      if (got[i] != want[i]) {
        std::ostringstream out;
        out.precision(17);
        out << "rank " << r << " output element " << i << ": got " << got[i] << ", want " << want[i];
        return out.str();
      }
  }
  return "";
}

std::vector<size_t> randomCounts(int n, size_t most, std::mt19937& rng, double zeroShare) {
  std::vector<size_t> counts;
  for (int i = 0; i < n * n; ++i)
    counts.push_back(std::bernoulli_distribution(zeroShare)(rng) ? 0 : std::uniform_int_distribution<size_t>(0, most)(rng));
  return counts;
}

}  // namespace

TEST_CASE("hierarchical all-to-allv delivers every block for every shape of domains", "[unit][sim][alltoall]") {
  const auto shape = GENERATE(std::pair{1, 1}, std::pair{1, 3}, std::pair{3, 1}, std::pair{2, 2}, std::pair{2, 3},
                              std::pair{3, 2}, std::pair{2, 4}, std::pair{4, 2}, std::pair{3, 3});
  const size_t chunk = GENERATE(as<size_t>{}, 1, 5, 64);
  const size_t slots = GENERATE(as<size_t>{}, 1, 2);
  const uint32_t seed = GENERATE(as<uint32_t>{}, 1, 2, 3);
  const auto [domains, perDomain] = shape;
  std::mt19937 rng(seed);
  const int n = domains * perDomain;
  const Job job = makeJob(domains, perDomain, randomCounts(n, 40, rng, 0.25), JobOptions{1, seed % 2 == 0, seed % 3}, seed);
  INFO(domains << " domains x " << perDomain << ", chunk " << chunk << " slots " << slots << " seed " << seed);
  for (size_t railMax : {kAllOnRails, size_t{20}, kDirect}) {
    INFO("blocks on the rails up to " << railMax << " elements");
    CHECK(runJob(job, railMax, chunk, slots) == "");
  }
}

TEST_CASE("hierarchical all-to-allv with zero counts, one hot destination and empty ranks", "[unit][sim][alltoall]") {
  const int domains = 2, perDomain = 3, n = domains * perDomain;
  const int pattern = GENERATE(0, 1, 2, 3);
  std::vector<size_t> counts(static_cast<size_t>(n * n), 0);
  for (int s = 0; s < n; ++s)
    for (int d = 0; d < n; ++d) {
      size_t& c = counts[static_cast<size_t>(s * n + d)];
      if (pattern == 1) c = d == 4 ? 1000 : 0;         // every rank sends only to rank 4
      if (pattern == 2) c = s == 0 ? 0 : 7 + s + d;    // rank 0 sends nothing
      if (pattern == 3) c = d == 1 ? 0 : (s + d) % 3;  // rank 1 receives nothing, tiny blocks
    }
  const Job job = makeJob(domains, perDomain, counts, JobOptions{1, true, 3}, 7);
  INFO("pattern " << pattern);
  for (size_t chunk : {size_t{1}, size_t{16}, size_t{4096}})
    for (size_t railMax : {kAllOnRails, size_t{5}, size_t{500}, kDirect}) {
      INFO("chunk " << chunk << ", rails up to " << railMax);
      CHECK(runJob(job, railMax, chunk, 2) == "");
    }
}

TEST_CASE("hierarchical all-to-allv keeps pieces apart: a MoE dispatch and its combine", "[unit][sim][alltoall][moe]") {
  const auto shape = GENERATE(std::pair{2, 2}, std::pair{2, 3}, std::pair{3, 2}, std::pair{1, 4});
  const uint32_t seed = GENERATE(as<uint32_t>{}, 11, 12);
  const auto [domains, perDomain] = shape;
  std::mt19937 rng(seed);
  const int n = domains * perDomain;
  // Dispatch: each block cut into 3 pieces, sent from one span, received into scattered places.
  const Job dispatch = makeJob(domains, perDomain, randomCounts(n, 30, rng, 0.2), JobOptions{3, true, 2}, seed);
  // Combine: pieces read from scattered places, received back to back.
  const Job combine = makeJob(domains, perDomain, randomCounts(n, 30, rng, 0.2), JobOptions{3, false, 0, true}, seed);
  INFO(domains << " domains x " << perDomain << " seed " << seed);
  for (size_t chunk : {size_t{1}, size_t{7}, size_t{64}})
    for (size_t railMax : {kAllOnRails, size_t{15}, kDirect}) {
      INFO("chunk " << chunk << ", rails up to " << railMax);
      CHECK(runJob(dispatch, railMax, chunk, 1) == "");
      CHECK(runJob(combine, railMax, chunk, 2) == "");
    }
}

TEST_CASE("hierarchical all-to-allv runs in place when the send and receive layouts are one", "[unit][sim][alltoall]") {
  const auto shape = GENERATE(std::pair{2, 2}, std::pair{2, 3}, std::pair{3, 2}, std::pair{2, 4});
  const size_t chunk = GENERATE(as<size_t>{}, 1, 3, 64);
  const auto [domains, perDomain] = shape;
  const int n = domains * perDomain;
  // In place needs what i sends j to equal what j sends i, in one layout.
  std::mt19937 rng(5);
  std::vector<size_t> counts(static_cast<size_t>(n * n));
  for (int s = 0; s < n; ++s)
    for (int d = s; d < n; ++d)
      counts[static_cast<size_t>(s * n + d)] = counts[static_cast<size_t>(d * n + s)] =
          std::uniform_int_distribution<size_t>(0, 50)(rng);
  Job job = makeJob(domains, perDomain, counts, JobOptions{}, 5);
  job.recvOffsets = job.sendOffsets;  // rank order, back to back: the same layout both ways
  job.outputSize = job.inputSize;
  INFO(domains << " domains x " << perDomain << " chunk " << chunk);
  for (size_t railMax : {kAllOnRails, size_t{25}, kDirect}) {
    INFO("rails up to " << railMax);
    CHECK(runJob(job, railMax, chunk, 2, true) == "");
  }
}

TEST_CASE("hierarchical all-to-allv crosses domains only between rail peers, once per pair", "[unit][plan][alltoall]") {
  const int domains = 4, perDomain = 2, n = domains * perDomain;
  const Job job = makeJob(domains, perDomain, std::vector<size_t>(static_cast<size_t>(n * n), 1000), JobOptions{}, 1);
  const std::vector<Plan> plans = plansOf(job, kAllOnRails, 64);
  for (int r = 0; r < n; ++r) {
    std::vector<int> across;
    size_t bytesAcross = 0;
    for (const Step& s : plans[static_cast<size_t>(r)].channels[0].steps) {
      if (!primSends(s.prim) || s.sendPeer / perDomain == r / perDomain) continue;
      CHECK(s.sendPeer % perDomain == r % perDomain);  // the rail peer
      across.push_back(s.sendPeer);
      bytesAcross += s.src.count;
    }
    std::sort(across.begin(), across.end());
    INFO("rank " << r);
    CHECK(std::adjacent_find(across.begin(), across.end()) == across.end());  // one message per peer
    CHECK(across.size() == static_cast<size_t>(domains - 1));
    // What crosses is what the domain sends the rank's rail peers: 2 ranks x 1000 per domain.
    CHECK(bytesAcross == static_cast<size_t>((domains - 1) * perDomain * 1000));
  }
}

TEST_CASE("hierarchical all-to-allv needs no scratch to unpack blocks that arrive in output order",
          "[unit][plan][alltoall]") {
  const int domains = 2, perDomain = 2, n = domains * perDomain;
  const Job job = makeJob(domains, perDomain, std::vector<size_t>(static_cast<size_t>(n * n), 10), JobOptions{}, 1);
  for (const Plan& plan : plansOf(job, kAllOnRails, 4)) {
    // Only the message for the one other domain, 2 blocks of 10.
    CHECK(plan.scratchElems == 20);
    CHECK(std::none_of(plan.channels[0].steps.begin(), plan.channels[0].steps.end(),
                       [](const Step& s) { return s.prim == Prim::kCopy && isExtra(s.src.buffer); }));
  }
}

TEST_CASE("the exchange choice is direct on one domain, hier over several, and forced by FCCL_ALGO",
          "[unit][alltoall]") {
  const Status none(Code::kInvalidUsage, "a hierarchical collective needs scale-up domains of one size (here: 2, 1)");
  const ExchangeShape flat{true, 1, 4}, twoByFour{true, 2, 4}, oneEach{true, 4, 1}, uneven{false, 0, 0};
  CHECK(chooseExchange("", flat, none)->algorithm == "direct");
  CHECK(chooseExchange("", oneEach, none)->algorithm == "direct");
  CHECK(chooseExchange("", uneven, none)->algorithm == "direct");
  const auto automatic = chooseExchange("", twoByFour, none);
  CHECK(automatic->algorithm == "hier");
  CHECK(automatic->railMaxBytes == kRailMaxBlockBytes);
  CHECK(chooseExchange("direct", twoByFour, none)->algorithm == "direct");
  const auto forced = chooseExchange("hier", flat, none);
  CHECK(forced->algorithm == "hier");
  CHECK(forced->railMaxBytes == SIZE_MAX);
  auto refused = chooseExchange("hier", uneven, none);
  REQUIRE_FALSE(refused.isOk());
  CHECK(refused.status().message() == none.message());
  CHECK_FALSE(hierarchicalCandidate("", flat));
  CHECK(hierarchicalCandidate("", twoByFour));
  CHECK_FALSE(hierarchicalCandidate("direct", twoByFour));
}

TEST_CASE("a block between domains over the rail threshold goes straight, a smaller one on its rail",
          "[unit][plan][alltoall]") {
  const int domains = 2, perDomain = 2, n = domains * perDomain;
  // Rank 0 sends rank 3 (other domain, other rail) 10 elements, rank 2 (its rail peer) 100.
  std::vector<size_t> counts(static_cast<size_t>(n * n), 0);
  counts[3] = 10;
  counts[2] = 100;
  const Job job = makeJob(domains, perDomain, counts, JobOptions{}, 1);
  auto sendsTo = [&](size_t railMax, int to) {
    size_t elems = 0;
    const std::vector<Plan> plans = plansOf(job, railMax, 8);
    for (const Step& s : plans[0].channels[0].steps)
      if (primSends(s.prim) && s.sendPeer == to) elems += s.src.count;
    return elems;
  };
  // Up to 50 on the rails: the 10 through rank 1 (rank 3's rail), the 100 straight to rank 2.
  CHECK(sendsTo(50, 1) == 10);
  CHECK(sendsTo(50, 3) == 0);
  CHECK(sendsTo(50, 2) == 100);
  // Up to 5: both straight; nothing through rank 1.
  CHECK(sendsTo(5, 1) == 0);
  CHECK(sendsTo(5, 3) == 10);
  for (size_t railMax : {size_t{5}, size_t{50}, size_t{500}}) {
    INFO("rails up to " << railMax);
    CHECK(runJob(job, railMax, 8, 2) == "");
  }
}

TEST_CASE("a plain all-to-allv's blocks are the rank's own call and what its domain told it",
          "[unit][alltoall]") {
  const AllToAllvLayout mine{{4, 5, 6}, {0, 4, 9}, {2, 5, 8}, {0, 2, 7}};
  const std::vector<KnownBlock> told{{0, 2, 11}};
  const BlockLayout layout = plainBlockLayout(1, mine, told);
  CHECK(layout.nranks == 3);
  CHECK(layout.blockElems(1, 2) == 6);  // sent
  CHECK(layout.blockElems(2, 1) == 8);  // received
  CHECK(layout.blockElems(0, 2) == 11);  // told
  CHECK(layout.blockElems(2, 0) == 0);   // unknown
  CHECK(layout.recvOffsets[2] == std::vector<size_t>{7});
  CHECK(layout.sendOffsets[2] == std::vector<size_t>{9});
  CHECK(layout.sentBy(1) == 15);
  const BlockLayout back = reversed(layout);
  CHECK(back.blockElems(2, 1) == 6);
  CHECK(back.sendOffsets[2] == std::vector<size_t>{7});
}

}  // namespace fccl::test
