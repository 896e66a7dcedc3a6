// fcclCommSplit: one all-gather of (color, key) over the parent, one of the new ids (each
// color's first rank creates one), then every member joins its color's communicator. Runs in
// the parent's order like any call, and every rank validates every rank's color the same way,
// so a bad color fails on all ranks alike instead of leaving the others waiting.
#include <algorithm>
#include <string>
#include <vector>

#include "bootstrap/unique_id.h"
#include "comm/communicator.h"
#include "common/log.h"

namespace fccl {
namespace {

struct SplitRequest {
  int32_t color;
  int32_t key;
};

}  // namespace

Expected<std::unique_ptr<Communicator>> Communicator::split(int color, int key, const CommOptions& options) {
  const uint64_t ticket = issueTicket();
  Status s = waitReady();
  if (s.isOk()) s = waitTurn(ticket);
  std::vector<SplitRequest> requests(static_cast<size_t>(nranks_));
  std::vector<fcclUniqueId> ids(static_cast<size_t>(nranks_));
  std::vector<int> members;
  if (s.isOk()) {
    std::lock_guard lock(opMutex_);
    ++seq_;
    requests[static_cast<size_t>(rank_)] = {color, key};
    s = bootstrap_->allGather(std::as_writable_bytes(std::span(requests)), sizeof(SplitRequest))
            .context("split: exchanging colors");
    for (size_t r = 0; s.isOk() && r < requests.size(); ++r)
      if (requests[r].color < 0 && requests[r].color != FCCL_SPLIT_NOCOLOR)
        s = Status(Code::kInvalidArgument, "split: rank " + std::to_string(r) + " passed color " +
                                               std::to_string(requests[r].color) +
                                               ", must be >= 0 or FCCL_SPLIT_NOCOLOR");
    if (s.isOk() && color != FCCL_SPLIT_NOCOLOR) {
      for (int r = 0; r < nranks_; ++r)
        if (requests[static_cast<size_t>(r)].color == color) members.push_back(r);
      std::stable_sort(members.begin(), members.end(), [&](int a, int b) {
        return requests[static_cast<size_t>(a)].key < requests[static_cast<size_t>(b)].key;
      });
      if (members.front() == rank_) s = createUniqueId(&ids[static_cast<size_t>(rank_)], options.timeoutMs);
    }
    // Every rank takes part in the second all-gather, even after a local failure, so that no
    // rank is left waiting for it; the failure is reported after.
    Status gathered = bootstrap_->allGather(std::as_writable_bytes(std::span(ids)), sizeof(fcclUniqueId))
                          .context("split: exchanging the new ids");
    if (s.isOk()) s = std::move(gathered);
  }
  endTurn(ticket);
  if (!s.isOk()) return s;
  if (color == FCCL_SPLIT_NOCOLOR) return std::unique_ptr<Communicator>();
  const int newRank = static_cast<int>(std::find(members.begin(), members.end(), rank_) - members.begin());
  FCCL_INFO(Subsys::kInit, "split: color %d key %d -> rank %d of %zu (leader rank %d)", color, key, newRank,
            members.size(), members.front());
  return create(ids[static_cast<size_t>(members.front())], static_cast<int>(members.size()), newRank, options);
}

}  // namespace fccl
