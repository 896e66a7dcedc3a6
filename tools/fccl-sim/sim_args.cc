#include "tools/fccl-sim/sim_args.h"

#include <charconv>

#include "perf_args.h"

namespace fccl::sim {
namespace {

Status bad(const std::string& what) { return Status(Code::kInvalidArgument, what); }

Expected<int> positive(const std::string& flag, const std::string& value) {
  int v = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || end != value.data() + value.size() || v < 1)
    return bad(flag + " takes a positive integer, not '" + value + "'");
  return v;
}

Expected<size_t> size(const std::string& flag, const std::string& value) {
  auto v = perf::parseSize(value);
  if (!v) return bad(flag + " takes a byte count such as 8, 64K, 1M or 2G, not '" + value + "'");
  return *v;
}

Expected<CalibrateArgs> parseCalibrate(const std::vector<std::string>& args) {
  CalibrateArgs a;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&]() -> Expected<std::string> {
      if (i + 1 >= args.size()) return bad(arg + " needs a value");
      return args[++i];
    };
    if (arg == "-o") {
      FCCL_ASSIGN_OR_RETURN(a.output, value());
    } else if (arg == "--layout") {
      FCCL_ASSIGN_OR_RETURN(a.layout, value());
    } else if (arg == "--tuner-file") {
      FCCL_ASSIGN_OR_RETURN(a.tunerFile, value());
    } else if (arg == "--scaleout") {
      FCCL_ASSIGN_OR_RETURN(std::string csv, value());
      a.scaleOutCsvs.push_back(csv);
    } else if (!arg.empty() && arg[0] == '-') {
      return bad("calibrate: unknown flag " + arg);
    } else {
      a.csvs.push_back(arg);
    }
  }
  if (a.output.empty()) return bad("calibrate needs -o FILE");
  if (a.csvs.empty()) return bad("calibrate needs at least one fccl-perf --csv file");
  return a;
}

Expected<SweepArgs> parseSweep(const std::vector<std::string>& args) {
  SweepArgs a;
  auto collective = collectiveNamed(args[0]);
  if (!collective) return bad("unknown collective '" + args[0] + "'");
  a.collective = *collective;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (i + 1 >= args.size()) return bad(arg + (arg.starts_with("-") ? " needs a value" : ": unexpected argument"));
    const std::string& v = args[++i];
    if (arg == "-b" || arg == "--minbytes") {
      FCCL_ASSIGN_OR_RETURN(a.minBytes, size(arg, v));
    } else if (arg == "-e" || arg == "--maxbytes") {
      FCCL_ASSIGN_OR_RETURN(a.maxBytes, size(arg, v));
    } else if (arg == "-f" || arg == "--stepfactor") {
      FCCL_ASSIGN_OR_RETURN(int f, positive(arg, v));
      a.stepFactor = static_cast<size_t>(f);
    } else if (arg == "-i" || arg == "--stepbytes") {
      FCCL_ASSIGN_OR_RETURN(a.stepBytes, size(arg, v));
      a.stepFactor = 1;
    } else if (arg == "--ranks") {
      FCCL_ASSIGN_OR_RETURN(a.ranks, positive(arg, v));
    } else if (arg == "--topo") {
      a.topo = v;
    } else if (arg == "--algo") {
      a.algo = v;
    } else if (arg == "--proto") {
      a.proto = v;
    } else if (arg == "--csv") {
      a.csv = v;
    } else if (arg == "--tuner-file") {
      a.tunerFile = v;
    } else {
      return bad("unknown flag " + arg);
    }
  }
  if (a.topo.empty()) return bad("--topo FILE is required");
  if (a.ranks == 0) return bad("--ranks N is required");
  if (a.minBytes > a.maxBytes) return bad("-b is above -e");
  if (a.stepFactor == 1 && a.stepBytes == 0) return bad("-f 1 needs -i STEP");
  return a;
}

}  // namespace

std::optional<Collective> collectiveNamed(std::string_view name) {
  for (Collective c : {Collective::kAllReduce, Collective::kAllGather, Collective::kReduceScatter, Collective::kAllToAll,
                       Collective::kBroadcast, Collective::kReduce})
    if (collectiveName(c) == name) return c;
  return std::nullopt;
}

std::vector<size_t> sweepOf(const SweepArgs& a) {
  std::vector<size_t> sizes;
  for (size_t s = a.minBytes; s <= a.maxBytes;) {
    sizes.push_back(s);
    const size_t next = a.stepFactor > 1 ? s * a.stepFactor : s + a.stepBytes;
    if (next <= s) break;
    s = next;
  }
  return sizes;
}

Expected<SimArgs> parseSimArgs(const std::vector<std::string>& args) {
  SimArgs out;
  if (args.empty()) return bad("no collective given");
  if (args[0] == "-h" || args[0] == "--help") {
    out.help = true;
    return out;
  }
  if (args[0] == "calibrate") {
    FCCL_ASSIGN_OR_RETURN(out.calibrate, parseCalibrate(args));
  } else {
    FCCL_ASSIGN_OR_RETURN(out.sweep, parseSweep(args));
  }
  return out;
}

std::string simUsage() {
  return "usage: fccl-sim COLLECTIVE -b MIN -e MAX [-f F | -i STEP] --ranks N --topo FILE [--algo A] [--proto P]\n"
         "                [--csv F] [--tuner-file F]\n"
         "       fccl-sim calibrate -o FILE [--layout TOPO] [--tuner-file F] CSV... [--scaleout CSV]...\n"
         "COLLECTIVE: allreduce, allgather, reducescatter, alltoall, broadcast, reduce.\n"
         "--algo and --proto force the tuner as FCCL_ALGO and FCCL_PROTO do (those and FCCL_CHUNK_SIZE,\n"
         "FCCL_SHM_SLOTS, FCCL_NCHANNELS, FCCL_MAX_NCHANNELS, FCCL_TRANSPORT are read as a communicator reads\n"
         "them). --tuner-file prices the tuner's choice with a calibration file's figures (FCCL_TUNER_FILE's\n"
         "format) instead of the topology's, as a real run reading that file would.\n"
         "calibrate fits figures to fccl-perf --csv files: CSVs of ranks on one host (scale-up), and with\n"
         "--scaleout CSVs of one rank per emulated host (every hop over the net).\n";
}

}  // namespace fccl::sim
