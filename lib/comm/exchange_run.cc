// Running all-to-all(v): direct pairwise, or hierarchical over scale-up domains and rails
// (algorithms/exchange/all_to_all_hier.cc), as chooseExchange() says. Every rank must make the
// same choice, so it rests only on what they all know: the communicator's domains and FCCL_ALGO.
// Within the hierarchical plan each block between domains takes the rails or goes straight by
// its own size, which its sender and receiver both know. What a rank forwards on its rail it
// learns from its domain: an all-to-allv first exchanges, inside each domain, the counts of what
// each rank sends the others' rail peers (a small scale-up exchange); an all-to-all knows them.
#include <algorithm>

#include "algorithms/exchange/all_to_all_hier.h"
#include "comm/call_check.h"
#include "comm/communicator.h"
#include "common/dtype.h"
#include "common/log.h"

namespace fccl {

ExchangeShape Communicator::exchangeShape() const {
  if (!hierarchy_) return {};
  return {true, static_cast<int>(hierarchy_->railOrder.size()), static_cast<int>(hierarchy_->localOrder.size())};
}

// FCCL_ALGO is a list (tuner/tuner.h): the exchanges take the one of theirs it leaves, if it
// leaves exactly one; names no collective knows are an error. FCCL_ALGO does not change: it is
// read once (a MoE call asks on every dispatch).
Expected<std::string_view> Communicator::exchangeForcing(const CallLabel& what) {
  if (exchangeForced_) return *exchangeForced_;
  const TunerOverrides listed = parseAlgorithmList(options_.algorithm);
  bool direct = false, hier = false;
  for (const std::string& name : listed.algorithms) {
    direct = direct || name == "direct";
    hier = hier || name == "hier";
    bool known = isExchangeAlgorithm(name);
    for (Collective other : {Collective::kAllReduce, Collective::kAllGather, Collective::kReduceScatter,
                             Collective::kBroadcast, Collective::kReduce})
      known = known || findAlgorithm(other, name).has_value();
    if (!known)
      return Status(Code::kInvalidArgument, "FCCL_ALGO names '" + name + "', which is not an algorithm for " + what.str() +
                                                " (known: direct, hier)");
  }
  if (listed.exclude) std::swap(direct, hier);  // ^hier leaves direct, ^direct leaves hier
  if (listed.exclude && direct && hier) return Status(Code::kInvalidArgument, "FCCL_ALGO=" + options_.algorithm +
                                                                                  " leaves no algorithm for " + what.str());
  exchangeForced_ = direct != hier ? std::string_view(direct ? "direct" : "hier") : std::string_view();
  return *exchangeForced_;
}

// The choice rests on what does not change (FCCL_ALGO, the domains): made once, then logged at
// INFO the first time each kind of call takes it, at TRACE after that.
Expected<const ExchangeChoice*> Communicator::chooseExchangeFor(const CallLabel& what) {
  if (!exchangeChoice_) {
    FCCL_ASSIGN_OR_RETURN(std::string_view forced, exchangeForcing(what));
    auto choice = chooseExchange(forced, exchangeShape(), noHierarchy_);
    if (!choice.isOk()) return std::move(choice).takeStatus().context("FCCL_ALGO=hier for " + what.str());
    exchangeChoice_ = std::move(choice).take();
  }
  const ExchangeChoice& choice = *exchangeChoice_;
  const std::string_view kind = what.kind();
  if (std::find(exchangeKindsLogged_.begin(), exchangeKindsLogged_.end(), kind) == exchangeKindsLogged_.end()) {
    exchangeKindsLogged_.emplace_back(kind);
    FCCL_INFO(Subsys::kTune, "%s: %s (%s)", what.c_str(), std::string(choice.algorithm).c_str(), choice.reason.c_str());
  } else {
    FCCL_TRACE(Subsys::kTune, "%s: %s (%s)", what.c_str(), std::string(choice.algorithm).c_str(), choice.reason.c_str());
  }
  return &choice;
}

Status Communicator::runPlans(std::span<const Plan> plans, const void* input, void* output, fcclDataType_t type,
                              const CallLabel& what) {
  for (const Plan& plan : plans) {
    if (options_.checkCalls) FCCL_TRY(agreeOnTraffic(*bootstrap_, rank_, nranks_, plan, typeSize(type), what));
    FCCL_TRY(executeWithScratch(plan, ExecCall{input, output, type, fcclSum, nranks_}, what, Proto::kSimple,
                                tuner_->simpleChunkBytes()));
  }
  return Status::ok();
}

Status Communicator::runBlocks(const BlockLayout& layout, const ExchangeChoice& choice, const void* input,
                               void* output, fcclDataType_t type, const CallLabel& what) {
  const size_t elem = typeSize(type), chunkElems = tuner_->simpleChunkBytes() / elem;
  if (choice.algorithm != "hier") {
    auto plan = directBlockPlan(rank_, layout, chunkElems);
    if (!plan.isOk()) return std::move(plan).takeStatus().context(what.str());
    return runPlans(std::span(&*plan, 1), input, output, type, what);
  }
  const size_t railMaxElems = choice.railMaxBytes / elem;
  auto plans = hierAllToAllvPlans(*hierarchy_, rank_, layout, railMaxElems, chunkElems);
  if (!plans.isOk()) return std::move(plans).takeStatus().context(what.str());
  const Plan both[] = {std::move(plans->first), std::move(plans->rails)};
  return runPlans(both, input, output, type, what);
}

Status Communicator::exchangeBlocks(const BlockLayout& layout, const void* input, void* output, fcclDataType_t type,
                                    const CallLabel& what) {
  FCCL_ASSIGN_OR_RETURN(const ExchangeChoice* choice, chooseExchangeFor(what));
  return runBlocks(layout, *choice, input, output, type, what);
}

Status Communicator::gatherRows(std::span<const uint64_t> row, std::span<uint64_t> all, const CallLabel& what) {
  const size_t n = static_cast<size_t>(nranks_), m = row.size();
  if (all.size() != n * m) return Status(Code::kInternal, "gathered rows do not fit their buffer").context(what.str());
  // Every rank sends its row to every rank (itself included): block (s, d) is s's row, read from
  // the start of its input and written at row s of d's output.
  BlockLayout layout;
  layout.nranks = nranks_;
  layout.pieces.assign(n * n, {m});
  layout.sendOffsets.assign(n, {0});
  for (size_t s = 0; s < n; ++s) layout.recvOffsets.push_back({s * m});
  FCCL_ASSIGN_OR_RETURN(std::string_view forced, exchangeForcing(what));
  // Tiny and latency-bound: on the rails wherever they exist, so that only rails cross domains.
  ExchangeChoice choice{"direct", SIZE_MAX, ""};
  if (hierarchy_ && hierarchicalCandidate(forced, exchangeShape())) choice.algorithm = "hier";
  return runBlocks(layout, choice, row.data(), all.data(), fcclUint64, what);
}

Status Communicator::agreeOnStaged(uint32_t kind, fcclDataType_t type, uint64_t count, uint64_t seq) {
  if (!options_.checkCalls) return Status::ok();
  return agreeOnCall(*bootstrap_, rank_, nranks_, CallSignature{kind, type, -1, -1, count, seq});
}

// What this rank's domain sends its rail peers: each rank tells each other rank of its domain
// what it sends that rank's rail peers, one count per domain.
Expected<std::vector<KnownBlock>> Communicator::domainRailCounts(const AllToAllvLayout& mine, const CallLabel& what) {
  const Hierarchy& h = *hierarchy_;
  const size_t n = static_cast<size_t>(nranks_), L = h.localOrder.size(), D = h.railOrder.size();
  std::vector<uint64_t> told(L * D), heard(L * D);
  BlockLayout layout;
  layout.nranks = nranks_;
  layout.pieces.assign(n * n, {0});
  layout.sendOffsets.assign(n, {0});
  layout.recvOffsets.assign(n, {0});
  for (size_t k = 0; k < L; ++k) {
    const int peer = h.localOrder[k];
    if (peer == rank_) continue;
    for (size_t b = 0; b < D; ++b) told[k * D + b] = mine.sendCounts[static_cast<size_t>(h.rails[k][b])];
    layout.pieces[static_cast<size_t>(rank_) * n + static_cast<size_t>(peer)] = {D};
    layout.pieces[static_cast<size_t>(peer) * n + static_cast<size_t>(rank_)] = {D};
    layout.sendOffsets[static_cast<size_t>(peer)] = {k * D};
    layout.recvOffsets[static_cast<size_t>(peer)] = {k * D};
  }
  FCCL_TRY(runBlocks(layout, ExchangeChoice{"direct", 0, ""}, told.data(), heard.data(), fcclUint64, what));
  std::vector<KnownBlock> blocks;
  for (size_t k = 0; k < L; ++k)
    for (size_t b = 0; b < D; ++b)
      if (h.localOrder[k] != rank_) blocks.push_back({h.localOrder[k], h.railOrder[b], heard[k * D + b]});
  return blocks;
}

Status Communicator::runExchange(const CollectiveCall& call, uint64_t seq) {
  const CallLabel what = labelOf(call, seq);
  const size_t n = static_cast<size_t>(nranks_);
  FCCL_ASSIGN_OR_RETURN(const ExchangeChoice* chosen, chooseExchangeFor(what));
  const ExchangeChoice& choice = *chosen;
  const bool nothingOnRails =
      call.collective == Collective::kAllToAll && !onRail(call.count, choice.railMaxBytes / typeSize(call.type));
  if (choice.algorithm != "hier" || nothingOnRails) {
    FCCL_ASSIGN_OR_RETURN(bool zeroCopied, tryZeroCopyAllToAll(call, what));
    if (zeroCopied) return Status::ok();
    // Direct, each rank planning from its own call: no counts to exchange.
    FCCL_ASSIGN_OR_RETURN(CachedPlan * plan, directExchangePlan(call));
    if (options_.checkCalls)
      FCCL_TRY(agreeOnTraffic(*bootstrap_, rank_, nranks_, plan->plan, typeSize(call.type), what));
    return execute(plan->plan, ExecCall{call.input, call.output, call.type, call.op, nranks_}, Proto::kSimple,
                   tuner_->simpleChunkBytes(), what, &plan->connected);
  }
  AllToAllvLayout uniform;
  if (call.collective == Collective::kAllToAll)
    for (size_t i = 0; i < n; ++i) {
      uniform.sendCounts.push_back(call.count);
      uniform.recvCounts.push_back(call.count);
      uniform.sendDispls.push_back(i * call.count);
      uniform.recvDispls.push_back(i * call.count);
    }
  const AllToAllvLayout& mine = call.collective == Collective::kAllToAll ? uniform : *call.layout;
  std::vector<KnownBlock> forwarded;
  if (call.collective == Collective::kAllToAll) {
    for (int k : hierarchy_->localOrder)  // every block is `count`: nothing to ask
      for (int b : hierarchy_->railOrder) forwarded.push_back({k, b, call.count});
  } else {
    FCCL_ASSIGN_OR_RETURN(forwarded, domainRailCounts(mine, CallLabel(what.str() + ": counts of the domain's rail blocks")));
  }
  return runBlocks(plainBlockLayout(rank_, mine, forwarded), choice, call.input, call.output, call.type, what);
}

// The direct plan of an all-to-all(v), the last one kept: an all-to-all by its count, an
// all-to-allv by its whole layout (a MoE layer repeats its routing shape less often, but a
// benchmark or a fixed-capacity dispatch repeats it exactly).
Expected<CachedPlan*> Communicator::directExchangePlan(const CollectiveCall& call) {
  const size_t chunkElems = tuner_->simpleChunkBytes() / typeSize(call.type);
  std::optional<LastExchange>& last = lastExchange_;
  const bool v = call.collective == Collective::kAllToAllv;
  const bool same = last && last->collective == call.collective && last->chunkElems == chunkElems &&
                    (v ? last->layout.sendCounts == call.layout->sendCounts &&
                             last->layout.sendDispls == call.layout->sendDispls &&
                             last->layout.recvCounts == call.layout->recvCounts &&
                             last->layout.recvDispls == call.layout->recvDispls
                       : last->count == call.count);
  if (same) return &last->cached;
  last.reset();
  auto plan = v ? allToAllvPlan(rank_, nranks_, *call.layout, chunkElems)
                : allToAllPlan(rank_, nranks_, call.count, chunkElems);
  if (!plan.isOk()) return std::move(plan).takeStatus().context(labelOf(call, seq_).str());
  last = LastExchange{call.collective, call.count, chunkElems, v ? *call.layout : AllToAllvLayout{},
                      CachedPlan{std::move(plan).take()}};
  return &last->cached;
}

}  // namespace fccl
