#include "tools/fccl-sim/simulation.h"

#include <xbt/log.h>

#include <algorithm>
#include <limits>
#include <cstdlib>

#include "tools/fccl-sim/channel_walk.h"

namespace fccl::sim {
namespace {

constexpr size_t kElemBytes = 4;  // fccl-perf's default type, float

// The process's engine, configured for a flow model without TCP's window or its latency and
// bandwidth corrections, and for many small actors.
sg4::Engine& engine() {
  static int argc = 1;
  static char name[] = "fccl-sim";
  static char* argv[] = {name, nullptr};
  static sg4::Engine instance(&argc, argv);
  static const bool configured = [] {
    xbt_log_control_set("root.thres:warning xbt_cfg.thres:critical");
    // SimGrid's own log settings, for looking inside a simulation: FCCL_SIM_LOG=ker_mailbox.thres:debug
    if (const char* log = std::getenv("FCCL_SIM_LOG")) xbt_log_control_set(log);
    sg4::Engine::set_config("network/model:CM02");
    sg4::Engine::set_config("network/crosstraffic:0");
    sg4::Engine::set_config("network/TCP-gamma:1e30");  // the window bound is gamma / (2 latency)
    sg4::Engine::set_config("contexts/stack-size:128");  // KiB per actor; the walk's stack is shallow
    return true;
  }();
  static_cast<void>(configured);
  return instance;
}

bool simulationMade = false;

// nccl-tests' counts for a size (benchmarks/common/perf_sizes.cc): all-reduce the whole buffer,
// all-gather and reduce-scatter and all-to-all a rank's part.
size_t countFor(Collective c, size_t bytes, int nranks) {
  const size_t count = bytes / kElemBytes;
  return c == Collective::kAllReduce || c == Collective::kBroadcast || c == Collective::kReduce
             ? count
             : count / static_cast<size_t>(nranks);
}

// The size the tuner prices, as the communicator computes it (lib/comm/comm_run.cc).
size_t tunedBytes(Collective c, size_t count, int nranks) {
  const size_t bytes = count * kElemBytes;
  return c == Collective::kAllGather || c == Collective::kReduceScatter ? bytes * static_cast<size_t>(nranks) : bytes;
}

}  // namespace

Simulation::Simulation(Key, Machine machine, SimSettings settings)
    : machine_(std::move(machine)), settings_(std::move(settings)) {}

Simulation::~Simulation() = default;

Expected<std::unique_ptr<Simulation>> Simulation::create(Machine machine, SimSettings settings) {
  if (simulationMade) return Status(Code::kInvalidUsage, "SimGrid runs one platform per process");
  const std::string& forced = settings.comm.transport;
  if (forced == "scaleout" || machine.domains() > 1) {
    if (!machine.fabric().scaleOut)
      return Status(Code::kInvalidArgument, "topology file " + machine.source() +
                                                ": fabric.scaleout: missing, and hops run over the scale-out net");
    for (int r = 0; r < machine.nranks(); ++r)
      if (machine.site(r).nic < 0)
        return Status(Code::kInvalidArgument, "topology file " + machine.source() + ": rank " + std::to_string(r) +
                                                  "'s host lists no NIC, and its hops run over the scale-out net");
  }
  if (forced == "scaleup" && machine.domains() > 1)
    return Status(Code::kInvalidArgument, "FCCL_TRANSPORT=scaleup, but the job spans " +
                                              std::to_string(machine.domains()) + " scale-up domains");
  simulationMade = true;
  engine();
  auto sim = std::make_unique<Simulation>(Key{}, std::move(machine), std::move(settings));
  sim->platform_ = std::make_unique<Platform>(sim->machine_, forced);
  sim->makeTuner();
  return sim;
}

MulticastGroup* Simulation::multicast(int domain) {
  if (!platform_->multicastSwitch(domain, Platform::SwitchRole::kReduce)) return nullptr;
  if (multicast_.empty())
    for (int d = 0; d < machine_.domains(); ++d) multicast_.push_back(std::make_unique<MulticastGroup>(*platform_, d));
  return multicast_[static_cast<size_t>(domain)].get();
}

Expected<double> Simulation::runEach(const std::function<void(int rank)>& body) {
  int finished = 0;
  for (int r = 0; r < machine_.nranks(); ++r)
    sg4::Actor::create("rank" + std::to_string(r), platform_->host(r), [&body, &finished, r] {
      body(r);
      ++finished;
    });
  const double start = sg4::Engine::get_clock();
  engine().run();
  if (finished != machine_.nranks())
    return Status(Code::kInternal, std::to_string(machine_.nranks() - finished) + " rank(s) wait forever");
  return sg4::Engine::get_clock() - start;
}

void Simulation::makeTuner() {
  const CommOptions& o = settings_.comm;
  TunerOverrides overrides = parseAlgorithmList(o.algorithm);
  overrides.proto = o.proto;
  overrides.channels = o.channels;
  tuner_ = std::make_unique<Tuner>(settings_.tunerFigures.value_or(machine_.costParams()),
                                   machine_.shape(o.transport == "scaleout", o.maxChannels), std::move(overrides),
                                   ChunkLimits{o.chunkBytes, o.llChunkBytes});
}

Expected<CallPlan> Simulation::choose(Collective collective, size_t bytes) {
  CallPlan call{collective, Algorithm{"direct", "", collective, nullptr}};
  call.count = countFor(collective, bytes, machine_.nranks());
  call.elemBytes = kElemBytes;
  if (collective == Collective::kAllToAll) {
    call.chunkBytes = settings_.comm.chunkBytes;  // what the communicator runs exchanges with
    return call;
  }
  FCCL_ASSIGN_OR_RETURN(TuneChoice choice, tuner_->choose(collective, tunedBytes(collective, call.count, machine_.nranks())));
  call.algorithm = choice.algorithm;
  call.proto = choice.proto;
  call.channels = choice.channels;
  call.chunkBytes = choice.chunkBytes;
  call.predictedUs = choice.predictedUs;
  return call;
}

Expected<CallResult> Simulation::run(const CallPlan& plan) {
  const int n = machine_.nranks();
  if (plan.chunkBytes < plan.elemBytes) return Status(Code::kInvalidArgument, "chunk size is smaller than one element");
  const FabricFigures& f = machine_.fabric();
  const double upRate = f.scaleUp.channelGBps * 1e9;
  const double outRate = f.scaleOut ? f.scaleOut->channelGBps * 1e9 : 0;
  CallContext call{*platform_,
                   plan.chunkBytes / plan.elemBytes,
                   plan.elemBytes,
                   plan.proto,
                   1 / (f.device.reduceGBps * 1e9),
                   1 / (f.device.copyGBps * 1e9),
                   std::vector<uint64_t>(static_cast<size_t>(n), 0),
                   std::vector<uint64_t>(static_cast<size_t>(n), 0),
                   std::vector<double>(static_cast<size_t>(n), 0)};
  const bool multicastPlan = plan.algorithm.name == "nvls" || plan.algorithm.name == "nvls_oneshot";
  if (multicastPlan && n > 1) {
    call.multicast = multicast(0);
    if (!call.multicast || machine_.domains() != 1)
      return Status(Code::kInvalidArgument, "topology file " + machine_.source() + ": " + std::string(plan.algorithm.name) +
                                                " needs one scale-up domain whose fabric has nvls figures");
    call.chunkElems = std::numeric_limits<size_t>::max() / 2;  // every step whole, in order
  }
  std::vector<std::unique_ptr<ChannelWalk>> walks;
  int channels = 1;
  for (int r = 0; r < n; ++r) {
    FCCL_ASSIGN_OR_RETURN(std::vector<ChannelSteps> steps, planOfRank(machine_, plan, r));
    channels = std::max(channels, static_cast<int>(steps.size()));
    for (size_t c = 0; c < steps.size(); ++c)
      walks.push_back(std::make_unique<ChannelWalk>(call, r, static_cast<int>(c), std::move(steps[c])));
  }
  // The tree's plans have two plan channels per channel: the FIFOs go by plan channel.
  FifoTable fifos(*platform_, channels, settings_.comm.fifoSlots, upRate, outRate);
  platform_->resetCounts();
  for (auto& walk : walks) {
    ChannelWalk* w = walk.get();
    sg4::ActorPtr actor = sg4::Actor::create("rank" + std::to_string(w->rank()) + "/" + std::to_string(w->channel()),
                                             platform_->host(w->rank()), [w] { (*w)(); });
    fifos.setReceiver(w->rank(), w->channel(), actor);
  }
  for (auto& walk : walks) walk->connect(fifos);
  const double start = sg4::Engine::get_clock();
  engine().run();
  CallResult result;
  result.plan = plan;
  result.seconds = sg4::Engine::get_clock() - start;
  if (call.finished != static_cast<int>(walks.size())) {
    std::string stuck;
    for (const auto& w : walks)
      if (!w->done()) stuck += "\n  " + w->where();
    return Status(Code::kInternal, "the simulated call did not complete (" +
                                       std::to_string(walks.size() - static_cast<size_t>(call.finished)) +
                                       " channel(s) wait forever):" + stuck);
  }
  result.busiest = platform_->busiest(result.seconds);
  result.sentUp = std::move(call.sentUp);
  result.sentOut = std::move(call.sentOut);
  return result;
}

}  // namespace fccl::sim
