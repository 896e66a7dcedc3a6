// Running all-to-all(v): direct pairwise, or hierarchical over scale-up domains and rails
// (algorithms/exchange/all_to_all_hier.cc), as chooseExchange() says. Every rank must make the
// same choice, so it rests only on what they all know: the communicator's domains, FCCL_ALGO and
// the call's mean bytes per rank. All-to-all knows those from its count. An all-to-allv knows
// only its own row of counts, so where the hierarchical plan is a candidate it first gathers
// every rank's row (a small exchange along the same rails); the job-wide counts then give the
// choice and, for the hierarchical plan, the blocks each rank forwards.
#include <numeric>

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

Expected<std::string_view> Communicator::exchangeForcing(const std::string& what) const {
  const std::string& algo = options_.algorithm;
  if (algo.empty() || isExchangeAlgorithm(algo)) return std::string_view(algo);
  // Another collective's algorithm (FCCL_ALGO=ring): the exchanges keep their default.
  for (Collective other : {Collective::kAllReduce, Collective::kAllGather, Collective::kReduceScatter,
                           Collective::kBroadcast, Collective::kReduce})
    if (findAlgorithm(other, algo)) return std::string_view();
  return Status(Code::kInvalidArgument, "FCCL_ALGO=" + algo + " is not an algorithm for " + what +
                                            " (known: direct, hier)");
}

void Communicator::logExchangeChoice(const std::string& what, const ExchangeChoice& choice) {
  // At INFO when it changes (a sweep of sizes logs where it switches), at TRACE every call.
  const std::string kind = what.substr(0, what.find(' '));
  const std::string key = kind + " " + std::string(choice.algorithm);
  if (exchangeChoice_.rfind(kind + " ", 0) != 0 || exchangeChoice_ != key) {
    FCCL_INFO(Subsys::kTune, "%s: %s (%s)", what.c_str(), std::string(choice.algorithm).c_str(), choice.reason.c_str());
    exchangeChoice_ = key;
    return;
  }
  FCCL_TRACE(Subsys::kTune, "%s: %s (%s)", what.c_str(), std::string(choice.algorithm).c_str(), choice.reason.c_str());
}

Status Communicator::runBlocks(const BlockLayout& layout, std::string_view algorithm, const void* input, void* output,
                               fcclDataType_t type, const std::string& what) {
  const size_t chunkElems = options_.chunkBytes / typeSize(type);
  auto plan = algorithm == "hier" ? hierAllToAllvPlan(*hierarchy_, rank_, layout, chunkElems)
                                  : directBlockPlan(rank_, layout, chunkElems);
  if (!plan.isOk()) return std::move(plan).takeStatus().context(what);
  if (options_.checkCalls) FCCL_TRY(agreeOnTraffic(*bootstrap_, rank_, nranks_, *plan, typeSize(type), what));
  return executeWithScratch(*plan, ExecCall{input, output, type, fcclSum, nranks_}, what);
}

Status Communicator::exchangeBlocks(const BlockLayout& layout, const void* input, void* output, fcclDataType_t type,
                                    const std::string& what) {
  FCCL_ASSIGN_OR_RETURN(std::string_view forced, exchangeForcing(what));
  const size_t bytesPerRank = layout.total() / static_cast<size_t>(nranks_) * typeSize(type);
  auto choice = chooseExchange(forced, exchangeShape(), bytesPerRank, noHierarchy_);
  if (!choice.isOk()) return std::move(choice).takeStatus().context("FCCL_ALGO=hier for " + what);
  logExchangeChoice(what, *choice);
  return runBlocks(layout, choice->algorithm, input, output, type, what);
}

Status Communicator::gatherRows(std::span<const uint64_t> row, std::span<uint64_t> all, const std::string& what) {
  const size_t n = static_cast<size_t>(nranks_), m = row.size();
  if (all.size() != n * m) return Status(Code::kInternal, "gathered rows do not fit their buffer").context(what);
  // Every rank sends its row to every rank (itself included): block (s, d) is s's row, read from
  // the start of its input and written at row s of d's output.
  BlockLayout layout;
  layout.nranks = nranks_;
  layout.pieces.assign(n * n, {m});
  layout.sendOffsets.assign(n, {0});
  for (size_t s = 0; s < n; ++s) layout.recvOffsets.push_back({s * m});
  FCCL_ASSIGN_OR_RETURN(std::string_view forced, exchangeForcing(what));
  // Tiny and latency-bound; hierarchical wherever it may be, so that only rails cross domains.
  const std::string_view algorithm = hierarchicalCandidate(forced, exchangeShape()) && hierarchy_ ? "hier" : "direct";
  return runBlocks(layout, algorithm, row.data(), all.data(), fcclUint64, what);
}

Status Communicator::agreeOnStaged(uint32_t kind, fcclDataType_t type, uint64_t count, uint64_t seq) {
  if (!options_.checkCalls) return Status::ok();
  return agreeOnCall(*bootstrap_, rank_, nranks_, CallSignature{kind, type, -1, -1, count, seq});
}

Status Communicator::runExchange(const CollectiveCall& call, uint64_t seq) {
  const std::string what = describeCall(call, seq);
  FCCL_ASSIGN_OR_RETURN(std::string_view forced, exchangeForcing(what));
  const size_t n = static_cast<size_t>(nranks_), chunkElems = options_.chunkBytes / typeSize(call.type);
  const ExchangeShape shape = exchangeShape();
  if (forced == "hier" && !hierarchy_) return Status(noHierarchy_).context("FCCL_ALGO=hier for " + what);
  if (!hierarchicalCandidate(forced, shape)) {
    // Direct, with no counts to gather: each rank plans from its own call.
    auto choice = chooseExchange(forced, shape, 0, noHierarchy_);
    if (choice.isOk()) logExchangeChoice(what, *choice);
    auto plan = call.collective == Collective::kAllToAll ? allToAllPlan(rank_, nranks_, call.count, chunkElems)
                                                         : allToAllvPlan(rank_, nranks_, *call.layout, chunkElems);
    if (!plan.isOk()) return std::move(plan).takeStatus().context(what);
    if (options_.checkCalls)
      FCCL_TRY(agreeOnTraffic(*bootstrap_, rank_, nranks_, *plan, typeSize(call.type), what));
    return execute(*plan, ExecCall{call.input, call.output, call.type, call.op, nranks_}, what);
  }
  std::vector<uint64_t> counts(n * n);
  if (call.collective == Collective::kAllToAll) {
    std::fill(counts.begin(), counts.end(), call.count);  // every block is `count`: nothing to gather
  } else {
    const std::vector<uint64_t> row(call.layout->sendCounts.begin(), call.layout->sendCounts.end());
    FCCL_TRY(gatherRows(row, counts, what + ": gathering counts"));
  }
  AllToAllvLayout uniform;
  const AllToAllvLayout* mine = call.layout.get();
  if (!mine) {
    for (size_t i = 0; i < n; ++i) {
      uniform.sendCounts.push_back(call.count);
      uniform.recvCounts.push_back(call.count);
      uniform.sendDispls.push_back(i * call.count);
      uniform.recvDispls.push_back(i * call.count);
    }
    mine = &uniform;
  }
  auto layout = plainBlockLayout(rank_, nranks_, counts, *mine);
  if (!layout.isOk()) return std::move(layout).takeStatus().context(what);
  return exchangeBlocks(*layout, call.input, call.output, call.type, what);
}

}  // namespace fccl
