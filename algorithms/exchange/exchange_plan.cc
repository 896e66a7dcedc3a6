#include "algorithms/exchange/exchange_plan.h"

#include <limits>
#include <string>

namespace fccl {
namespace {

size_t roundsOf(size_t count, size_t chunkElems) { return (count + chunkElems - 1) / chunkElems; }

// Lags the transfers of one direction: each starts where the previous one to its peer ended.
Status appendTransfers(std::span<const Transfer> transfers, Prim prim, const ExchangeRequest& req,
                       std::vector<Step>& steps) {
  std::vector<size_t> rounds(static_cast<size_t>(req.nranks), 0);
  for (const Transfer& t : transfers) {
    if (t.peer == req.rank || t.slice.count == 0) continue;
    size_t& used = rounds[static_cast<size_t>(t.peer)];
    if (used > std::numeric_limits<uint32_t>::max())
      return Status(Code::kInvalidArgument, "too many chunks queued between rank " + std::to_string(req.rank) +
                                                " and rank " + std::to_string(t.peer) + " in one group");
    Step step{};
    step.prim = prim;
    if (prim == Prim::kSend) {
      step.sendPeer = t.peer;
      step.src = t.slice;
    } else {
      step.recvPeer = t.peer;
      step.dst = t.slice;
    }
    step.lag = static_cast<uint32_t>(used);
    used += roundsOf(t.slice.count, req.chunkElems);
    steps.push_back(step);
  }
  return Status::ok();
}

}  // namespace

Expected<Plan> exchangePlan(const ExchangeRequest& req) {
  if (req.chunkElems == 0) return Status(Code::kInvalidArgument, "chunk size is smaller than one element");
  for (auto list : {req.sends, req.recvs})
    for (const Transfer& t : list)
      if (t.peer < 0 || t.peer >= req.nranks)
        return Status(Code::kInvalidArgument, "peer " + std::to_string(t.peer) + " is not a rank of a communicator of " +
                                                  std::to_string(req.nranks));
  Plan plan{"direct", {Channel{}}};
  std::vector<Step>& steps = plan.channels[0].steps;
  FCCL_TRY(appendTransfers(req.sends, Prim::kSend, req, steps));
  std::vector<Slice> fromSelf, toSelf;
  for (const Transfer& t : req.sends)
    if (t.peer == req.rank) toSelf.push_back(t.slice);
  for (const Transfer& t : req.recvs)
    if (t.peer == req.rank) fromSelf.push_back(t.slice);
  if (toSelf.size() != fromSelf.size())
    return Status(Code::kInvalidUsage, "rank " + std::to_string(req.rank) + " sends " + std::to_string(toSelf.size()) +
                                           " message(s) to itself but receives " + std::to_string(fromSelf.size()));
  for (size_t i = 0; i < toSelf.size(); ++i) {
    if (toSelf[i].count != fromSelf[i].count)
      return Status(Code::kInvalidUsage, "send " + std::to_string(i + 1) + " of rank " + std::to_string(req.rank) +
                                             " to itself has " + std::to_string(toSelf[i].count) +
                                             " elements, the matching receive " + std::to_string(fromSelf[i].count));
    if (toSelf[i].count == 0) continue;
    Step copy{};
    copy.prim = Prim::kCopy;
    copy.src = toSelf[i];
    copy.dst = fromSelf[i];
    steps.push_back(copy);
  }
  FCCL_TRY(appendTransfers(req.recvs, Prim::kRecv, req, steps));
  return plan;
}

Expected<Plan> allToAllPlan(int rank, int nranks, size_t count, size_t chunkElems) {
  AllToAllvLayout layout;
  for (int i = 0; i < nranks; ++i) {
    const size_t displ = static_cast<size_t>(i) * count;
    layout.sendCounts.push_back(count);
    layout.recvCounts.push_back(count);
    layout.sendDispls.push_back(displ);
    layout.recvDispls.push_back(displ);
  }
  return allToAllvPlan(rank, nranks, layout, chunkElems);
}

Expected<Plan> allToAllvPlan(int rank, int nranks, const AllToAllvLayout& layout, size_t chunkElems) {
  const size_t n = static_cast<size_t>(nranks);
  if (layout.sendCounts.size() != n || layout.sendDispls.size() != n || layout.recvCounts.size() != n ||
      layout.recvDispls.size() != n)
    return Status(Code::kInternal, "all-to-allv layout does not have one entry per rank");
  // Rotated peer order: at any moment the ranks talk to different peers, not all to rank 0.
  std::vector<Transfer> sends, recvs;
  for (int k = 0; k < nranks; ++k) {
    const size_t to = static_cast<size_t>((rank + k) % nranks);
    const size_t from = static_cast<size_t>((rank - k + nranks) % nranks);
    sends.push_back({static_cast<int>(to), {Buffer::kInput, layout.sendDispls[to], layout.sendCounts[to]}});
    recvs.push_back({static_cast<int>(from), {Buffer::kOutput, layout.recvDispls[from], layout.recvCounts[from]}});
  }
  auto plan = exchangePlan({rank, nranks, sends, recvs, chunkElems});
  if (plan.isOk()) plan->algorithm = "direct";
  return plan;
}

}  // namespace fccl
