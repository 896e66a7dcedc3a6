#include "comm/communicator.h"

#include <chrono>
#include <string>

#include "common/dtype.h"
#include "common/log.h"
#include "common/wait.h"
#include "topology/host_identity.h"

namespace fccl {

Communicator::Communicator(int nranks, int rank, const CommOptions& options)
    : nranks_(nranks), rank_(rank), options_(options) {}

Expected<std::unique_ptr<Communicator>> Communicator::create(const fcclUniqueId& id, int nranks, int rank,
                                                             const CommOptions& options) {
  std::unique_ptr<Communicator> comm(new Communicator(nranks, rank, options));
  if (options.blocking) {
    FCCL_TRY(comm->init(id));
    comm->ready_ = true;
    return comm;
  }
  comm->state_ = Status(Code::kInProgress, "communicator init in progress");
  Communicator* self = comm.get();
  comm->initThread_ = std::thread([self, id] {
    setLogRank(self->rank_);
    Status s = self->init(id);
    std::lock_guard lock(self->stateMutex_);
    self->state_ = std::move(s);
    self->ready_ = true;
  });
  return comm;
}

Communicator::~Communicator() {
  abort_ = true;
  if (initThread_.joinable()) initThread_.join();
  magic_ = 0;
}

Status Communicator::init(const fcclUniqueId& id) {
  const auto start = std::chrono::steady_clock::now();
  setLogRank(rank_);
  auto device = Device::load();
  if (!device.isOk()) return std::move(device).takeStatus();
  device_ = std::move(device).take();
  auto bootstrap = Bootstrap::create(id, BootstrapOptions{rank_, nranks_, options_.timeoutMs, &abort_});
  if (!bootstrap.isOk()) return std::move(bootstrap).takeStatus().context("bootstrap");
  bootstrap_ = std::move(bootstrap).take();

  const HostIdentity host = localHostIdentity();
  const PeerInfo self = localPeerInfo(rank_, host.hash, options_.chunkBytes, options_.fifoSlots);
  std::vector<PeerInfo> all(static_cast<size_t>(nranks_));
  all[static_cast<size_t>(rank_)] = self;
  FCCL_TRY(bootstrap_->allGather(std::as_writable_bytes(std::span(all)), sizeof(PeerInfo))
               .context("exchanging peer records"));
  FCCL_ASSIGN_OR_RETURN(auto peers, validatePeerInfos(all, self));
  connections_ = std::make_unique<Connections>(*bootstrap_, std::move(peers), rank_,
                                               ShmOptions{options_.fifoSlots, options_.chunkBytes});
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  FCCL_INFO(Subsys::kInit, "rank %d of %d ready in %lld ms: device %s, host %s, bootstrap %s", rank_, nranks_,
            static_cast<long long>(ms.count()), std::string(device_->name()).c_str(), host.description.c_str(),
            bootstrap_->address().c_str());
  return Status::ok();
}

Status Communicator::waitReady() {
  if (!ready_.load()) {
    if (initThread_.joinable()) initThread_.join();
  }
  std::lock_guard lock(stateMutex_);
  return state_;
}

Status Communicator::asyncError() {
  std::lock_guard lock(stateMutex_);
  return state_;
}

Status Communicator::finalize() {
  // Calls complete before they return (no streams yet), so there is nothing left to flush;
  // finalize still reports the error of a broken communicator, as its caller expects.
  FCCL_TRY(waitReady());
  return Status::ok();
}

void Communicator::abort() {
  abort_ = true;
  std::lock_guard lock(opMutex_);  // the running operation sees the flag within milliseconds
  std::lock_guard stateLock(stateMutex_);
  if (state_.isOk() || state_.code() == Code::kInProgress) state_ = Status(Code::kAborted, "communicator aborted");
}

Expected<Algorithm> Communicator::chooseAlgorithm(const CollectiveCall& call) const {
  auto candidates = algorithmsFor(call.collective);
  if (options_.algorithm.empty()) return candidates.front();
  if (auto forced = findAlgorithm(call.collective, options_.algorithm)) return *forced;
  std::string known;
  for (const Algorithm& a : candidates) known += (known.empty() ? "" : ", ") + std::string(a.name);
  return Status(Code::kInvalidArgument, "FCCL_ALGO=" + options_.algorithm + " is not an algorithm for " +
                                            std::string(collectiveName(call.collective)) + " (known: " + known + ")");
}

Status Communicator::run(const CollectiveCall& call) {
  FCCL_TRY(waitReady());
  // Every rank rejects a forced algorithm alike and before any byte moves: the comm stays usable.
  FCCL_ASSIGN_OR_RETURN(Algorithm algorithm, chooseAlgorithm(call));
  std::lock_guard lock(opMutex_);
  if (abort_) return Status(Code::kAborted, "communicator aborted");
  const uint64_t seq = ++seq_;
  Status s = runLocked(call, algorithm, seq);
  if (s.isOk()) return s;
  Status failed = std::move(s).context(std::string(collectiveName(call.collective)) + " #" + std::to_string(seq) +
                                       " (" + std::to_string(call.count) + " x " + std::string(typeName(call.type)) + ")");
  std::lock_guard stateLock(stateMutex_);
  if (state_.isOk()) state_ = failed;  // the first error breaks the communicator; later ones follow from it
  return failed;
}

Status Communicator::runLocked(const CollectiveCall& call, const Algorithm& algorithm, uint64_t seq) {
  const Ring ring = naturalRing(nranks_, rank_);
  const Plan plan = algorithm.plan(PlanRequest{call.collective, call.count, 1, ring, call.root});
  FCCL_TRACE(Subsys::kColl, "%s #%llu %zu x %s %s: %s (%s)", std::string(collectiveName(call.collective)).c_str(),
             static_cast<unsigned long long>(seq), call.count, std::string(typeName(call.type)).c_str(),
             std::string(opName(call.op)).c_str(), std::string(algorithm.name).c_str(),
             std::string(algorithm.reason).c_str());
  const Deadline deadline = Deadline::afterMs(options_.timeoutMs);
  FCCL_TRY(connections_->ensure(plan));
  const ExecCall exec{call.input, call.output, call.type, call.op, nranks_};
  const ExecLimits limits{options_.chunkBytes, deadline, options_.timeoutMs, &abort_};
  return runPlan(plan, exec, *connections_, *device_, limits);
}

}  // namespace fccl
