// A MoE dispatch runs in three steps: it routes this rank's tokens (rows per expert, each row's
// packed place), gathers every rank's rows per expert together with the rows each rank's buffer
// holds and a hash of its shape, then moves the rows as an all-to-allv whose blocks are cut by
// the destination's local experts (algorithms/moe/moe_routing.h), direct or hierarchical as the
// communicator chooses. The gather gives every rank the same view, so every rank decides alike
// whether the calls fit together (shapes, capacities) before a token moves, and the exchange
// needs no further counts. A combine sends the same pieces back and sums them per token.
#include "moe/moe_ops.h"

#include <string>

#include "comm/call_check.h"
#include "comm/communicator.h"
#include "common/dtype.h"
#include "moe/moe_kernels.h"

namespace fccl {

size_t MoeState::rowBytes() const { return shape.hidden * typeSize(static_cast<fcclDataType_t>(shape.dtype)); }

namespace {

fcclDataType_t typeOf(const MoeState& s) { return static_cast<fcclDataType_t>(s.shape.dtype); }

std::string describe(const char* kind, const MoeState& s, uint64_t seq) {
  return std::string(kind) + " #" + std::to_string(seq) + " (" + std::to_string(s.numTokens) + " tokens x " +
         std::to_string(s.shape.hidden) + " " + std::string(typeName(typeOf(s))) + ", top-" +
         std::to_string(s.shape.topk) + ")";
}

class MoeDispatch final : public StagedOp {
 public:
  MoeDispatch(const MoeDispatchArgs& args, std::shared_ptr<MoeState> state) : args_(args), state_(std::move(state)) {}

  Status run(Communicator& comm, uint64_t seq) override {
    MoeState& s = *state_;
    const std::string what = describe("moe dispatch", s, seq);
    FCCL_TRY(comm.agreeOnStaged(kMoeDispatchKind, typeOf(s), shapeHash(s.shape), seq));
    const size_t topk = static_cast<size_t>(s.shape.topk), n = static_cast<size_t>(comm.nranks());
    auto route = routeTokens({args_.expertIds, s.numTokens * topk}, s.numTokens, s.shape, comm.nranks());
    if (!route.isOk()) return std::move(route).takeStatus().context(what);
    // Each rank's row: its rows per expert, the rows its buffer holds, the hash of its shape.
    const size_t experts = static_cast<size_t>(s.shape.numExperts()), width = experts + 2;
    std::vector<uint64_t> row(route->rowsPerExpert), all(n * width);
    row.push_back(args_.recvCapacity);
    row.push_back(shapeHash(s.shape));
    FCCL_TRY(comm.gatherRows(row, all, CallLabel(what + ": rows per expert")));
    std::vector<uint64_t> rows(n * experts);
    for (size_t r = 0; r < n; ++r) {
      if (all[r * width + experts + 1] != row.back())
        return Status(Code::kInvalidUsage, "rank " + std::to_string(r) +
                                               " calls it with another hidden size, topk, datatype or expert map "
                                               "than rank " + std::to_string(comm.rank()))
            .context(what);
      std::copy_n(all.begin() + static_cast<ptrdiff_t>(r * width), experts, rows.begin() + static_cast<ptrdiff_t>(r * experts));
    }
    auto exchange = moeExchange(comm.rank(), comm.nranks(), rows, s.shape);
    if (!exchange.isOk()) return std::move(exchange).takeStatus().context(what);
    if (args_.recvExpertCounts) std::copy(exchange->expertRows.begin(), exchange->expertRows.end(), args_.recvExpertCounts);
    FCCL_TRY(checkCapacities(*exchange, all, width, comm.rank()).context(what));
    s.sendRow = std::move(route->sendRow);
    s.staging = acquireStaging(route->sendRows * s.rowBytes());
    packRows(static_cast<const std::byte*>(args_.tokens), s.numTokens, topk, s.rowBytes(), s.sendRow, s.staging.data());
    FCCL_TRY(comm.exchangeBlocks(exchange->dispatch, s.staging.data(), args_.recvTokens, typeOf(s), CallLabel(what)));
    s.combine = reversed(exchange->dispatch);
    s.recvRows = exchange->recvRowsOf[static_cast<size_t>(comm.rank())];
    s.ready = true;
    return Status::ok();
  }

 private:
  // Every rank sees every rank's rows and capacity: all of them fail alike, before rows move.
  static Status checkCapacities(const MoeExchange& x, const std::vector<uint64_t>& all, size_t width, int self) {
    for (size_t r = 0; r < x.recvRowsOf.size(); ++r) {
      const uint64_t capacity = all[r * width + width - 2];
      if (x.recvRowsOf[r] <= capacity) continue;
      const std::string need = "receives " + std::to_string(x.recvRowsOf[r]) + " rows but its recvCapacity is " +
                               std::to_string(capacity) + ": nothing was sent";
      if (static_cast<int>(r) == self) return Status(Code::kInvalidArgument, "this rank " + need);
      return Status(Code::kInvalidUsage, "rank " + std::to_string(r) + " " + need);
    }
    return Status::ok();
  }

  MoeDispatchArgs args_;
  std::shared_ptr<MoeState> state_;
};

class MoeCombine final : public StagedOp {
 public:
  MoeCombine(const MoeCombineArgs& args, std::shared_ptr<MoeState> state) : args_(args), state_(std::move(state)) {}

  Status run(Communicator& comm, uint64_t seq) override {
    MoeState& s = *state_;
    const std::string what = describe("moe combine", s, seq);
    FCCL_TRY(comm.agreeOnStaged(kMoeCombineKind, typeOf(s), shapeHash(s.shape), seq));
    if (!s.ready) return Status(Code::kInvalidUsage, "the layout's dispatch did not complete").context(what);
    if (s.recvRows > 0 && !args_.expertOut) return Status(Code::kInvalidArgument, "expertOut is NULL").context(what);
    FCCL_TRY(comm.exchangeBlocks(s.combine, args_.expertOut, s.staging.data(), typeOf(s), CallLabel(what)));
    return combineRows(s.staging.data(), args_.weights, s.sendRow, s.numTokens, static_cast<size_t>(s.shape.topk),
                       s.shape.hidden, typeOf(s), static_cast<std::byte*>(args_.out));
  }

 private:
  MoeCombineArgs args_;
  std::shared_ptr<MoeState> state_;
};

}  // namespace

std::shared_ptr<StagedOp> moeDispatchOp(const MoeDispatchArgs& args, std::shared_ptr<MoeState> state) {
  return std::make_shared<MoeDispatch>(args, std::move(state));
}

std::shared_ptr<StagedOp> moeCombineOp(const MoeCombineArgs& args, std::shared_ptr<MoeState> state) {
  return std::make_shared<MoeCombine>(args, std::move(state));
}

}  // namespace fccl
