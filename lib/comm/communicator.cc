#include "comm/communicator.h"

#include <algorithm>
#include <chrono>
#include <string>

#include "common/log.h"
#include "common/thread_placement.h"
#include "topology/host_hardware.h"
#include "common/wait.h"
#include "topology/local_place.h"
#include "topology/topology_ring.h"

namespace fccl {

Communicator::Communicator(int nranks, int rank, const CommOptions& options)
    : nranks_(nranks), rank_(rank), options_(options), hangReport_(nranks) {}

Expected<std::unique_ptr<Communicator>> Communicator::create(const fcclUniqueId& id, int nranks, int rank,
                                                             const CommOptions& options) {
  std::unique_ptr<Communicator> comm(new Communicator(nranks, rank, options));
  if (options.blocking) {
    FCCL_TRY(comm->init(id));
    comm->ready_ = true;
    comm->healthy_ = true;
    return comm;
  }
  comm->state_ = Status(Code::kInProgress, "communicator init in progress");
  Communicator* self = comm.get();
  comm->initThread_ = std::thread([self, id] {
    setLogRank(self->rank_);
    Status s = self->init(id);
    std::lock_guard lock(self->stateMutex_);
    self->state_ = std::move(s);
    self->healthy_ = self->state_.isOk();
    self->ready_ = true;
    self->readyChanged_.notify_all();
  });
  return comm;
}

Communicator::~Communicator() {
  waitIdle();
  flushHangReport();
  const bool failed = abort_ || !asyncError().isOk();
  abort_ = true;
  if (initThread_.joinable()) initThread_.join();
  if (connections_ && failed) connections_->abandon();  // peers that failed too take nothing more
  if (connections_) {
    const Connections::Traffic t = connections_->traffic();
    FCCL_INFO(Subsys::kInit, "rank %d traffic: %llu bytes sent over scale-up, %llu over scale-out", rank_,
              static_cast<unsigned long long>(t.scaleUp), static_cast<unsigned long long>(t.scaleOut));
  }
  magic_ = 0;
}

Status Communicator::init(const fcclUniqueId& id) {
  const auto start = std::chrono::steady_clock::now();
  setLogRank(rank_);
  auto device = Device::load();
  if (!device.isOk()) return std::move(device).takeStatus();
  device_ = std::move(device).take();
  auto bootstrap = Bootstrap::create(id, BootstrapOptions{rank_, nranks_, options_.timeoutMs, &halt_});
  if (!bootstrap.isOk()) return std::move(bootstrap).takeStatus().context("bootstrap");
  bootstrap_ = std::move(bootstrap).take();
  FCCL_TRY(startAlarmLine().context("alarm line"));

  placeProgress();
  FCCL_ASSIGN_OR_RETURN(std::string fabric, device_->fabricId());
  FCCL_ASSIGN_OR_RETURN(LocalPlace local, localPlace(rank_, nranks_, fabric));
  PeerInfo self = localPeerInfo(rank_, local.place, options_.chunkBytes, options_.fifoSlots, options_.checkCalls);
  self.alarmPort = alarmLine_->port();
  std::vector<PeerInfo> all(static_cast<size_t>(nranks_));
  all[static_cast<size_t>(rank_)] = self;
  FCCL_TRY(bootstrap_->allGather(std::as_writable_bytes(std::span(all)), sizeof(PeerInfo))
               .context("exchanging peer records"));
  FCCL_ASSIGN_OR_RETURN(auto peers, validatePeerInfos(all, self));
  for (const PeerInfo& p : peers) pids_.push_back(p.pid);
  std::vector<bootstrap::SocketAddress> alarmPeers;
  for (int r = 0; r < nranks_; ++r) {
    bootstrap::SocketAddress address = bootstrap_->peerAddress(r);  // the host the peer's bootstrap is on
    address.setPort(static_cast<uint16_t>(peers[static_cast<size_t>(r)].alarmPort));
    alarmPeers.push_back(address);
  }
  alarmLine_->setPeers(std::move(alarmPeers));
  paceWaits(peers);
  FCCL_TRY(agreeOnTopology(peers));
  connections_ = std::make_unique<Connections>(*bootstrap_, std::move(peers), rank_,
                                               ShmOptions{options_.fifoSlots, options_.chunkBytes, false},
                                               ShmOptions{options_.fifoSlots, options_.llChunkBytes, true},
                                               options_.transport, local.nic);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  FCCL_INFO(Subsys::kInit, "rank %d of %d ready in %lld ms: device %s #%d, %s, bootstrap %s", rank_, nranks_,
            static_cast<long long>(ms.count()), std::string(device_->name()).c_str(), options_.device,
            local.description.c_str(), bootstrap_->address().c_str());
  return Status::ok();
}

// The threads that carry progress work (the net's, the streams') run on the CPUs of the NUMA node
// this rank runs on, where first touch puts its memory.
void Communicator::placeProgress() {
  if (!options_.pinProgress) return;
  const int node = currentNumaNode();
  std::vector<int> cpus = cpusOfNumaNode(node);
  if (cpus.empty()) {
    FCCL_INFO(Subsys::kInit, "progress threads unpinned: hwloc places no allowed CPU on NUMA node %d", node);
    return;
  }
  std::string list;
  for (int cpu : cpus) {
    if (!list.empty()) list += ',';
    list += std::to_string(cpu);
  }
  const std::string where = "NUMA node " + std::to_string(node) + " (CPUs " + list + "), near this rank's memory";
  FCCL_INFO(Subsys::kInit, "progress threads pinned to %s", where.c_str());
  setProgressCpus(std::move(cpus), where);
}

// Where more ranks share this kernel's CPUs than it has, a rank that waits holds a core its peer
// needs: its waits yield almost at once instead of spinning first. Ranks are counted by kernel,
// not by host: emulated hosts (network namespaces) of one machine, or containers that share its
// PID namespace, are different hosts on the same CPUs.
void Communicator::paceWaits(const std::vector<PeerInfo>& peers) {
  const uint64_t kernel = peers[static_cast<size_t>(rank_)].kernelHash;
  const auto local =
      std::count_if(peers.begin(), peers.end(), [kernel](const PeerInfo& p) { return p.kernelHash == kernel; });
  const unsigned cpus = std::thread::hardware_concurrency();
  if (cpus == 0 || local <= static_cast<long>(cpus)) return;
  oversubscribed_ = true;  // the tuner prices a wake-up per dependent step
  Backoff::setSpinRounds(kOversubscribedSpinRounds);
  FCCL_INFO(Subsys::kInit, "%ld ranks on this kernel's %u CPUs: waits spin %u rounds, then yield", static_cast<long>(local),
            cpus, kOversubscribedSpinRounds);
}

// The ring order comes from the places every rank gathered; so that no rank runs a different
// ring (a hang at the first call), the ranks compare digests of what they computed.
Status Communicator::agreeOnTopology(const std::vector<PeerInfo>& peers) {
  std::vector<RankPlace> places;
  places.reserve(peers.size());
  for (const PeerInfo& p : peers) places.push_back(placeOf(p));
  ringOrder_ = topologyRingOrder(places);
  ring_.emplace(ringOrder_, rank_);
  auto hierarchy = makeHierarchy(ringOrder_, domainIndices(places), rank_);
  if (hierarchy.isOk()) hierarchy_ = std::move(hierarchy).take();
  else noHierarchy_ = hierarchy.status();
  std::vector<uint64_t> digests(static_cast<size_t>(nranks_));
  digests[static_cast<size_t>(rank_)] = topologyHash(places, ringOrder_);
  FCCL_TRY(bootstrap_->allGather(std::as_writable_bytes(std::span(digests)), sizeof(uint64_t))
               .context("comparing topologies"));
  for (int r = 0; r < nranks_; ++r)
    if (digests[static_cast<size_t>(r)] != digests[static_cast<size_t>(rank_)])
      return Status(Code::kInternal, "rank " + std::to_string(r) + " computed another topology than rank " +
                                         std::to_string(rank_) + " from the same peer records");
  FCCL_TRY(startTuner(places));
  std::string order;
  for (int r : ringOrder_) {
    if (!order.empty()) order += ' ';
    order += std::to_string(r);
  }
  FCCL_INFO(Subsys::kInit, "ring order %s (%d scale-up domain crossing(s))", order.c_str(),
            domainCrossings(ringOrder_, places));
  return Status::ok();
}

// Init has its own timeout (the bootstrap's), so this wait ends. Any thread may wait here (the
// caller's, a stream's worker); only the destructor joins the init thread.
Status Communicator::waitReady() {
  if (healthy_.load(std::memory_order_acquire)) return Status::ok();  // no lock on the usual path
  std::unique_lock lock(stateMutex_);
  readyChanged_.wait(lock, [this] { return ready_.load(); });
  return state_;
}

Status Communicator::asyncError() {
  std::lock_guard lock(stateMutex_);
  return state_;
}

void Communicator::breakWith(const Status& error) {
  std::lock_guard lock(stateMutex_);
  if (state_.isOk()) state_ = error;  // the first error breaks the communicator; later ones follow from it
  healthy_ = false;
}

uint64_t Communicator::issueTicket() { return issued_.fetch_add(1); }

void Communicator::cancelTicket(Status why) {
  breakWith(why);
  finished_.fetch_add(1);
  std::lock_guard lock(turnMutex_);
  turnChanged_.notify_all();
}

// Waits on a condition variable, not a spin: the work ahead may take long and the ranks share
// few cores. The deadline restarts whenever an earlier ticket finishes, so a long queue of
// healthy work never times out, a stuck one does. The counters are atomics, so a call that
// finds its turn (the usual case) takes no lock; one that waits says so in waiters_ first,
// which tells endTurn to take the lock and wake it.
Status Communicator::waitTurn(uint64_t ticket) {
  if (turn_.load() == ticket) return Status::ok();  // no lock, no clock
  std::unique_lock lock(turnMutex_);
  ++waiters_;
  Status s = waitTurnLocked(ticket, lock);
  --waiters_;
  return s;
}

Status Communicator::waitTurnLocked(uint64_t ticket, std::unique_lock<std::mutex>& lock) {
  Deadline deadline = Deadline::afterMs(options_.timeoutMs);
  uint64_t seen = turn_.load();
  while (turn_.load() != ticket) {
    if (abort_.load()) return Status(Code::kAborted, "communicator aborted");
    {
      std::lock_guard stateLock(stateMutex_);
      if (!state_.isOk() && state_.code() != Code::kInProgress) return state_;
    }
    if (turn_.load() != seen) {
      seen = turn_.load();
      deadline = Deadline::afterMs(options_.timeoutMs);
    }
    if (deadline.expired())
      return Status(Code::kTimeout, "waited " + std::to_string(options_.timeoutMs) +
                                        " ms for the earlier calls on this communicator to finish");
    turnChanged_.wait_for(lock, std::chrono::milliseconds(20));
  }
  return Status::ok();
}

void Communicator::endTurn(uint64_t ticket) {
  uint64_t expected = ticket;
  turn_.compare_exchange_strong(expected, ticket + 1);
  finished_.fetch_add(1);
  // A waiter counted itself before it looked at the counters: either it saw them moved, or we
  // see it here and wake it under the lock it waits with.
  if (waiters_.load() > 0) {
    std::lock_guard lock(turnMutex_);
    turnChanged_.notify_all();
  }
}

void Communicator::waitIdle() {
  std::unique_lock lock(turnMutex_);
  ++waiters_;
  turnChanged_.wait(lock, [this] { return finished_.load() == issued_.load(); });
  --waiters_;
}

Status Communicator::finalize() {
  FCCL_TRY(waitReady());
  waitIdle();
  return asyncError();
}

void Communicator::abort() {
  abort_ = true;
  halt_ = true;
  bool healthy = false;
  {
    std::lock_guard lock(opMutex_);  // the running operation sees the flag within milliseconds
    std::lock_guard stateLock(stateMutex_);
    healthy = state_.isOk() || state_.code() == Code::kInProgress;
    if (healthy) state_ = Status(Code::kAborted, "communicator aborted");
    healthy_ = false;
  }
  // Peers waiting on this rank would otherwise wait out their timeout.
  if (healthy) raiseAlarm(Status(Code::kAborted, "rank " + std::to_string(rank_) + " aborted its communicator"));
  std::lock_guard lock(turnMutex_);
  turnChanged_.notify_all();
}

}  // namespace fccl
