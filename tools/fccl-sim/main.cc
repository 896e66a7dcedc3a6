// fccl-sim: what busbw a collective reaches on a machine this one cannot be, with the plans the
// library would run there, priced by SimGrid's flow model (README, "fccl-sim").
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "comm/comm_options.h"
#include "tools/fccl-sim/calibrate.h"
#include "tools/fccl-sim/sim_args.h"
#include "tools/fccl-sim/sweep_report.h"

namespace fccl::sim {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f) std::fclose(f);
  }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

Expected<SimSettings> settingsFor(const std::string& algo, const std::string& proto, const std::string& tunerFile) {
  SimSettings settings;
  FCCL_ASSIGN_OR_RETURN(settings.comm, resolveCommOptions(nullptr));
  if (!algo.empty()) settings.comm.algorithm = algo;
  if (!proto.empty()) {
    settings.comm.proto = parseProto(proto);
    if (!settings.comm.proto) return Status(Code::kInvalidArgument, "--proto " + proto + " is not LL or Simple");
  }
  if (!tunerFile.empty()) {
    if (tunerFile == "defaults") {
      settings.tunerFigures = CostParams::defaults();
    } else {
      FCCL_ASSIGN_OR_RETURN(settings.tunerFigures, loadCostParams(tunerFile));
    }
  }
  return settings;
}

Status sweep(const SweepArgs& a) {
  FCCL_ASSIGN_OR_RETURN(TopologyFile file, loadTopologyFile(a.topo));
  FCCL_ASSIGN_OR_RETURN(Machine machine, Machine::make(file, a.ranks));
  FCCL_ASSIGN_OR_RETURN(SimSettings settings, settingsFor(a.algo, a.proto, a.tunerFile));
  FCCL_ASSIGN_OR_RETURN(std::unique_ptr<Simulation> sim, Simulation::create(std::move(machine), std::move(settings)));
  File csv;
  if (!a.csv.empty()) {
    csv.reset(std::fopen(a.csv.c_str(), "w"));
    if (!csv) return Status(Code::kSystem, "cannot write " + a.csv);
  }
  SweepReport report(stdout, csv.get(), a.collective, a.ranks);
  report.header(sim->machine(), a.topo);
  for (size_t bytes : sweepOf(a)) {
    FCCL_ASSIGN_OR_RETURN(CallPlan plan, sim->choose(a.collective, bytes));
    FCCL_ASSIGN_OR_RETURN(CallResult result, sim->run(plan));
    report.row(result);
  }
  return Status::ok();
}

}  // namespace
}  // namespace fccl::sim

int main(int argc, char** argv) {
  using namespace fccl::sim;
  auto args = parseSimArgs(std::vector<std::string>(argv + 1, argv + argc));
  if (!args.isOk()) {
    std::fprintf(stderr, "fccl-sim: %s\n%s", args.status().message().c_str(), simUsage().c_str());
    return 2;
  }
  if (args->help) {
    std::fputs(simUsage().c_str(), stdout);
    return 0;
  }
  const fccl::Status s = args->calibrate ? calibrate(*args->calibrate) : sweep(*args->sweep);
  if (!s.isOk()) {
    std::fprintf(stderr, "fccl-sim: %s\n", s.message().c_str());
    return 1;
  }
  return 0;
}
