// fccl-soak: random collectives on random rank counts, every result checked, with ranks killed
// or stopped in the middle of some rounds, over shared memory and the scale-out net in turn.
// Prints a line per round and a summary; exits 1 on a data error, a hang, a missed fault or an
// error nobody caused.
//   fccl-soak [--minutes M | --seconds S] [--seed N] [--timeout-ms MS] [--max-ranks N] [--rank-log F]
//   fccl-soak --round SEED [--timeout-ms MS] [--max-ranks N] [--rank-log F]   replays one round's plan
// --rank-log sends the ranks' stderr (fccl's warnings, the wait reports of a timeout) to a file,
// each round under a header line, so the table is not lost among them.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include "tools/fccl-soak/round_plan.h"
#include "tools/fccl-soak/round_runner.h"
#include "tools/fccl-soak/soak_totals.h"

namespace {

using namespace fccl::soak;

struct Options {
  double seconds = 60;
  uint64_t seed = std::random_device{}();
  bool replay = false;  // one round, its seed given
  PlanLimits limits;
  std::string rankLog;  // empty: the ranks write to our stderr
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "fccl-soak: %s\nusage: fccl-soak [--minutes M | --seconds S] [--seed N] [--timeout-ms MS] "
               "[--max-ranks N] [--rank-log FILE]\n       fccl-soak --round SEED [--timeout-ms MS] [--max-ranks N] "
               "[--rank-log FILE]\n",
               why);
  std::exit(2);
}

double number(const char* flag, const char* text, double low, double high) {
  char* end = nullptr;
  const double v = text ? std::strtod(text, &end) : 0;
  if (!text || *end != '\0' || v < low || v > high) usage((std::string("bad value for ") + flag).c_str());
  return v;
}

uint64_t seedValue(const char* text) {
  char* end = nullptr;
  const uint64_t v = text ? std::strtoull(text, &end, 10) : 0;
  if (!text || *text == '\0' || *end != '\0') usage("a seed is a decimal number");
  return v;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    o.replay = o.replay || flag == "--round";
    if (flag == "--minutes") o.seconds = 60 * number("--minutes", value, 0, 1e6);
    else if (flag == "--seconds") o.seconds = number("--seconds", value, 0, 6e7);
    else if (flag == "--seed" || flag == "--round") o.seed = seedValue(value);
    else if (flag == "--timeout-ms") o.limits.timeoutMs = static_cast<int>(number("--timeout-ms", value, 100, 600000));
    else if (flag == "--rank-log" && value) o.rankLog = value;
    else if (flag == "--max-ranks") o.limits.maxRanks = static_cast<int>(number("--max-ranks", value, 2, 64));
    else usage(("unknown argument " + flag).c_str());
    ++i;
  }
  return o;
}

std::string roundLine(int index, const RoundPlan& plan, const RoundResult& r) {
  std::string line = "round " + std::to_string(index) + " [" + describe(plan) + "]: " + std::to_string(r.operations) +
                     " ops, " + std::to_string(r.bytesChecked >> 10) + " KiB checked";
  if (r.faultInjected) {
    char detected[64];
    std::snprintf(detected, sizeof(detected), ", fault detected in %.2f s", r.detectSeconds);
    line += r.faultDetected ? detected : ", FAULT MISSED";
  } else if (plan.fault != Fault::kNone) {
    line += ", no fault injected (a rank finished first)";
  }
  return line;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  std::mt19937_64 seeds(options.seed);
  std::printf("fccl-soak: %s seed %llu, communicator timeout %d ms, up to %d ranks\n",
              options.replay ? "replaying round" : "run", static_cast<unsigned long long>(options.seed),
              options.limits.timeoutMs, options.limits.maxRanks);
  RoundOptions roundOptions;
  roundOptions.timeoutMs = options.limits.timeoutMs;
  if (!options.rankLog.empty()) {
    roundOptions.rankLogFd = open(options.rankLog.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (roundOptions.rankLogFd < 0) usage(("cannot write " + options.rankLog).c_str());
    std::printf("fccl-soak: the ranks' log goes to %s\n", options.rankLog.c_str());
  }
  const auto start = std::chrono::steady_clock::now();
  const auto end = start + std::chrono::duration<double>(options.seconds);
  SoakTotals totals;
  for (int index = 0; options.replay ? index == 0 : std::chrono::steady_clock::now() < end; ++index) {
    const RoundPlan plan = planRound(options.replay ? options.seed : seeds(), options.limits);
    if (roundOptions.rankLogFd >= 0)
      dprintf(roundOptions.rankLogFd, "=== round %d [%s]\n", index, describe(plan).c_str());
    const RoundResult result = runRound(plan, roundOptions);
    totals.add(plan, result);
    std::printf("%s\n", roundLine(index, plan, result).c_str());
    for (const std::string& p : result.problems) std::printf("  %s\n", p.c_str());
    std::fflush(stdout);
  }
  totals.print(stdout, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return totals.clean() ? 0 : 1;
}
