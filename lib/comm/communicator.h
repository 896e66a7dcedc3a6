// A communicator: one rank's membership in a group of ranks, and everything it owns to talk to
// the others (bootstrap, device, connectors). Created by init, broken for good by the first
// failed operation (its error stays readable through asyncError()), freed by destroy or abort.
//
// Work runs in the order it was issued, which is the order the application made its calls in,
// the same on every rank: each call takes a ticket when it is made and runs when its turn
// comes, whether it runs in the caller's thread (no stream) or later on a stream's worker.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <thread>

#include "algorithms/exchange/block_layout.h"
#include "algorithms/exchange/exchange_choice.h"
#include "algorithms/hier/hierarchy.h"
#include "bootstrap/alarm_line.h"
#include "bootstrap/bootstrap.h"
#include "comm/comm_options.h"
#include "comm/connections.h"
#include "comm/hang_report.h"
#include "comm/multicast_group.h"
#include "comm/plan_cache.h"
#include "comm/registrations.h"
#include "comm/work.h"
#include "device/device.h"
#include "fccl/fccl.h"
#include "runtime/wait_state.h"
#include "tuner/tuner.h"

namespace fccl {

class Communicator {
 public:
  // Starts joining the group. With options.blocking the comm is ready on return; otherwise
  // init goes on in a thread and asyncError() says kInProgress until it is done.
  static Expected<std::unique_ptr<Communicator>> create(const fcclUniqueId& id, int nranks, int rank,
                                                        const CommOptions& options);
  // Waits for the work already issued (abort() first to cut it short), then frees everything.
  ~Communicator();

  int rank() const { return rank_; }
  int nranks() const { return nranks_; }
  int device() const { return options_.device; }
  const CommOptions& options() const { return options_; }
  bool valid() const { return magic_ == kMagic; }

  // The place of the next call in this communicator's order.
  uint64_t issueTicket();
  // For a ticket whose work will never run: the order it held can no longer be kept, so the
  // communicator breaks with `why`.
  void cancelTicket(Status why);
  // Runs `batch` when the work of every earlier ticket is done.
  Status runBatch(const Batch& batch, uint64_t ticket);
  // One collective, issued and run now in this thread.
  Status run(const CollectiveCall& call);

  // Collective over this communicator (it takes its turn like any call): the ranks that pass
  // the same color form a new communicator, ordered by (key, rank here). nullptr for
  // FCCL_SPLIT_NOCOLOR.
  Expected<std::unique_ptr<Communicator>> split(int color, int key, const CommOptions& options);

  Registrations& registrations() { return registrations_; }

  // The steps of operations that plan as they run (StagedOp, and all-to-allv over several
  // scale-up domains). Valid only inside a running call; each moves bytes, so a failure breaks
  // the communicator, except the checks that fail before anything moves.
  //
  // Gathers every rank's `row` (the same length on every rank) into `all`, rank by rank,
  // through the data path (hierarchically where the domains allow: only rails cross them).
  Status gatherRows(std::span<const uint64_t> row, std::span<uint64_t> all, const CallLabel& what);
  // Moves the blocks of `layout` from `input` to `output`, direct or hierarchical as
  // chooseExchange() says. `layout` must hold every block this rank sends, receives or forwards
  // (all_to_all_hier.h); the whole job's blocks are always enough.
  Status exchangeBlocks(const BlockLayout& layout, const void* input, void* output, fcclDataType_t type,
                        const CallLabel& what);
  // FCCL_CHECK=1: the ranks compare a staged operation's signature (call_check.h's kinds; `count`
  // is whatever must agree, e.g. a hash of the shape) before it moves anything.
  Status agreeOnStaged(uint32_t kind, fcclDataType_t type, uint64_t count, uint64_t seq);

  // Where this rank listens: its bootstrap and its alarm line (for logs, and for tests that
  // knock on them). Valid once init is done.
  struct Endpoints {
    bootstrap::SocketAddress bootstrap;
    bootstrap::SocketAddress alarm;
  };
  Endpoints endpoints() const;

  // The state: ok, kInProgress during non-blocking init, or the error that broke the comm.
  Status asyncError();
  // Waits for the work already issued; reports the communicator's error, if any.
  Status finalize();
  // Stops whatever is running or queued within milliseconds, and tells the peers; the
  // destructor then frees everything.
  void abort();

 private:
  static constexpr uint64_t kMagic = 0x6663636c636f6d6dull;  // "fcclcomm"
  Communicator(int nranks, int rank, const CommOptions& options);
  Status init(const fcclUniqueId& id);
  Status agreeOnTopology(const std::vector<PeerInfo>& peers);
  void placeProgress();
  // Where this host runs more ranks than CPUs: waits yield sooner, the tuner prices wake-ups.
  void paceWaits(const std::vector<PeerInfo>& peers);
  // The tuner over this topology, with rank 0's cost figures (comm_tuner.cc).
  Status startTuner(const std::vector<RankPlace>& places);
  Status waitReady();
  Status waitTurn(uint64_t ticket);
  Status waitTurnLocked(uint64_t ticket, std::unique_lock<std::mutex>& lock);
  void endTurn(uint64_t ticket);
  void waitIdle();
  template <typename Work>
  Status runInTurn(uint64_t ticket, Work&& work);
  void breakWith(const Status& error);
  Status runCollective(const CollectiveCall& call, uint64_t seq);
  // TRACE: the algorithm, protocol, channels and chunk a call on FIFOs runs with, and why.
  void traceChoice(const CallLabel& what, fcclRedOp_t op, const TuneChoice& choice) const;
  Status runPointToPoint(const std::vector<PointToPointCall>& calls, uint64_t seq);
  // All-to-all and all-to-allv (exchange_run.cc).
  Status runExchange(const CollectiveCall& call, uint64_t seq);
  ExchangeShape exchangeShape() const;
  // FCCL_ALGO as the exchanges read it: "", "direct" or "hier".
  Expected<std::string_view> exchangeForcing(const CallLabel& what);
  // The choice for a call (`what` names it), logged at INFO when it changes.
  Expected<const ExchangeChoice*> chooseExchangeFor(const CallLabel& what);
  // The direct plan of an all-to-all(v) call, rebuilt only when the call's shape changed.
  Expected<CachedPlan*> directExchangePlan(const CollectiveCall& call);
  Status runBlocks(const BlockLayout& layout, const ExchangeChoice& choice, const void* input, void* output,
                   fcclDataType_t type, const CallLabel& what);
  // Runs plans one after the other, on the same scratch.
  Status runPlans(std::span<const Plan> plans, const void* input, void* output, fcclDataType_t type,
                  const CallLabel& what);
  Expected<std::vector<KnownBlock>> domainRailCounts(const AllToAllvLayout& mine, const CallLabel& what);
  // Runs a plan with the scratch it asks for; chunkBytes 0: FCCL_CHUNK_SIZE.
  Status executeWithScratch(const Plan& plan, ExecCall exec, const CallLabel& what, Proto proto = Proto::kSimple,
                            size_t chunkBytes = 0, uint32_t* connected = nullptr);
  // `chunkBytes`: what one step moves at a time, at most a slot of `proto`'s FIFOs.
  // `connected`: a cached plan's record of the protocols whose connections it found in place.
  Status execute(const Plan& plan, const ExecCall& exec, Proto proto, size_t chunkBytes, const CallLabel& what,
                 uint32_t* connected = nullptr);
  // A failure while moving bytes (peers may be mid-transfer): breaks the communicator and tells
  // the peers, unless a peer's failure or an abort stopped it.
  Status failMoving(Status s, const CallLabel& what);
  // An NVLS call (comm_multicast.cc): the multicast object (made by the first such call), the
  // zero-copy agreement, then the plan on it.
  // `zeroCopy`: what the ranks agreed for this call already, if they did.
  Status runMulticast(const CollectiveCall& call, const TuneChoice& choice, PlanRequest request, const CallLabel& what,
                      std::optional<bool> zeroCopy);
  // The tuner's choice for a call. Where zero-copy NVLS would win, the ranks first agree on
  // whether every rank's buffers are mapped (*zeroCopy tells); after a refusal they do not ask
  // again for a while. A failed agreement breaks the communicator (it is a sync).
  Expected<TuneChoice> tuneCall(const CollectiveCall& call, size_t bytes, const CallLabel& what,
                                std::optional<bool>* zeroCopy);
  Status ensureMulticast(const CallLabel& what);
  // A direct all-to-all straight into the members' outputs when every rank's output is mapped
  // (fcclMemAlloc): true when it ran (or failed: see the status), false when the ranks agreed
  // it cannot.
  Expected<bool> tryZeroCopyAllToAll(const CollectiveCall& call, const CallLabel& what);
  // Counts down the calls that go by without asking about zero copy; true while it runs.
  bool zeroCopyPaused();
  // Every rank asks, at one sync of the multicast object, whether every rank's `buffers` are
  // mapped; when not, the next kZeroCopyPause eligible calls do not ask (logged: "not every
  // rank's <otherwise> for the next N calls").
  Expected<bool> askZeroCopy(const CollectiveCall& call, const MulticastGroup::CallBuffers& buffers,
                             const CallLabel& what, const char* otherwise);

  // Fail fast (on the alarm line): the first failure of this rank's own is told to every peer,
  // which stops what it runs and reports kRemote naming this rank; a failure a peer told of is
  // not told again.
  Status startAlarmLine();
  void raiseAlarm(const Status& error);
  // kAborted because a peer failed (halt_ without abort_) is that peer's failure.
  Status explainHalt(Status s);
  void onPeerFailure(int sender, const bootstrap::FailureAlarm& alarm);
  void onDumpRequest(int sender, const std::string& reason);
  void onReport(int sender, const bootstrap::WaitReport& report, const std::string& why);
  void onAlarmTick();
  // Logs what this rank waits for and reports it to rank 0, which prints the job's summary.
  void reportWaitState(const std::string& why);
  // On rank 0, about to go: prints a gathering's summary once the reports are in, or soon.
  void flushHangReport();

  uint64_t magic_ = kMagic;
  const int nranks_;
  const int rank_;
  const CommOptions options_;
  std::atomic<bool> abort_{false};  // fcclCommAbort
  std::atomic<bool> halt_{false};   // abort_, or a peer's failure: what runs stops
  std::atomic<bool> alarmed_{false};  // this rank has told its peers of its failure
  std::mutex opMutex_;  // held while a call runs; abort() waits on it after raising the flag
  std::thread initThread_;
  std::atomic<bool> ready_{false};
  std::mutex stateMutex_;
  std::condition_variable readyChanged_;
  Status state_;  // guarded by stateMutex_
  std::atomic<bool> healthy_{false};  // ready_ and state_ ok: the check a call makes without the lock
  bool peerFailed_ = false;  // state_ is a failure a peer told of; guarded by stateMutex_

  std::mutex turnMutex_;  // what a thread waiting for its turn (or for idle) waits with
  std::condition_variable turnChanged_;
  std::atomic<uint64_t> issued_{0};    // tickets handed out
  std::atomic<uint64_t> turn_{0};      // the ticket whose work may run now
  std::atomic<uint64_t> finished_{0};  // tickets whose work returned (ran, failed or was cancelled)
  std::atomic<int> waiters_{0};        // threads waiting on turnChanged_ (counted under turnMutex_)
  uint64_t seq_ = 0;       // operations run, for messages and call checking

  std::unique_ptr<Device> device_;
  std::unique_ptr<Bootstrap> bootstrap_;
  std::unique_ptr<Connections> connections_;
  std::vector<int> ringOrder_;  // ranks in the topology's ring order (topology/topology_ring.h)
  std::optional<Ring> ring_;     // that order seen from this rank, made once at init
  std::optional<Hierarchy> hierarchy_;  // this rank's domain and rail rings, when domains are even
  Status noHierarchy_;                  // why there is none
  std::unique_ptr<Tuner> tuner_;        // picks algorithm, protocol, channels and chunk per call
  std::vector<int> pids_;               // every rank's process, for the multicast object
  std::unique_ptr<MulticastGroup> multicast_;  // NVLS: made by the first call that uses it
  static constexpr uint32_t kOversubscribedSpinRounds = 2;
  bool oversubscribed_ = false;  // more ranks on this kernel than CPUs (paceWaits)
  uint32_t zeroCopyPause_ = 0;  // calls to go before the ranks are asked about zero copy again
  PlanCache plans_;                     // the plans of the last distinct calls
  // The last call on FIFOs, as the tuner chose for it: the same call again (same shape) runs its
  // plan straight away, unless a plan was built since (the cached one may be gone).
  struct RepeatedCall {
    Collective collective{};
    size_t count = 0;
    fcclDataType_t type{};
    int root = 0;
    TuneChoice choice;
    CachedPlan* plan = nullptr;  // null: no call yet
    uint64_t planGeneration = 0;
    bool matches(const CollectiveCall& c) const {
      return plan && c.collective == collective && c.count == count && c.type == type && c.root == root;
    }
  };
  RepeatedCall lastCall_;
  std::vector<std::byte> scratch_;      // plans' scratch (Plan::scratchElems), grown as needed
  std::optional<std::string_view> exchangeForced_;  // what FCCL_ALGO forces on the exchanges, once read
  std::optional<ExchangeChoice> exchangeChoice_;  // the exchanges' algorithm, chosen at the first one
  std::vector<std::string> exchangeKindsLogged_;  // the kinds of call whose choice went to INFO
  struct LastExchange {
    Collective collective{};
    size_t count = 0;
    size_t chunkElems = 0;
    AllToAllvLayout layout;  // all-to-allv
    CachedPlan cached;
  };
  std::optional<LastExchange> lastExchange_;
  Registrations registrations_;

  WaitState waitState_;
  std::mutex reportMutex_;  // guards hangReport_, lastReport_
  HangReport hangReport_;   // rank 0 gathers the job's wait reports here
  std::chrono::steady_clock::time_point lastReport_{};
  uint64_t signalsSeen_ = 0;  // SIGUSR1 count at the last tick (the alarm line's thread only)
  // Last: destroyed first, its thread calls into the members above.
  std::unique_ptr<bootstrap::AlarmLine> alarmLine_;
};

}  // namespace fccl
