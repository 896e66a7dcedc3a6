// What each figure is fitted from (every time is the best of five rounds, each the slowest rank's
// mean over the round's runs):
//  - a fabric and protocol's latency a and bandwidth B: ring all-gather with that protocol (and
//    with every hop on the net for scale-out) at two sizes. n-1 steps of b = S/n bytes each:
//    t = (n-1)(a + b/B), so two sizes give a and B;
//  - channel rate: the same all-gather on two channels; where it beats one channel, one channel
//    is what a channel moves and two fill the link;
//  - reduction rate R: ring reduce-scatter against all-gather of the same size, whose n-1 steps
//    differ only by reducing b bytes each: t_rs - t_ag = (n-1) b / R;
//  - copy rate: memcpy between page-aligned buffers, as the host device copies;
//  - multicast latency: a one-shot NVLS all-reduce of 8 bytes (one sync); multicast rate: a
//    zero-copy NVLS all-gather on fcclMemAlloc buffers, t = 2 syncs + S / rate.
// A figure the job cannot measure (the multicast object across domains, or a fit that comes out
// non-positive on a noisy machine) keeps its default, and the output says so.
#include "calibrate.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <optional>
#include <unistd.h>
#include <vector>

#include "fccl_backend.h"
#include "perf_buffer.h"
#include "tuner/cost_params.h"

namespace fccl::perf {
namespace {

using Clock = std::chrono::steady_clock;

Outcome check(fcclResult_t r, fcclComm_t comm) {
  if (r == fcclSuccess) return {};
  return {fcclFailure(r, comm)};
}

// A communicator of the job made with some FCCL_* settings (read at init), destroyed with it.
class SettingComm {
 public:
  static Outcome make(fcclComm_t base, ControlPlane& control, std::vector<std::pair<const char*, const char*>> env,
                      std::unique_ptr<SettingComm>& out) {
    fcclUniqueId id;
    std::memset(&id, 0, sizeof id);
    if (control.rank() == 0) FCCL_PERF_TRY(check(fcclGetUniqueId(&id), nullptr));
    FCCL_PERF_TRY(check(fcclBroadcast(&id, &id, sizeof id, fcclUint8, 0, base, nullptr), base));
    std::vector<std::pair<std::string, std::optional<std::string>>> saved;  // to put back
    for (auto [name, value] : env) {
      const char* old = std::getenv(name);
      saved.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
      setenv(name, value, 1);
    }
    fcclComm_t comm = nullptr;
    const fcclResult_t r = fcclCommInitRank(&comm, control.nranks(), id, control.rank());
    for (auto& [name, value] : saved) {
      if (value) setenv(name.c_str(), value->c_str(), 1);
      else unsetenv(name.c_str());
    }
    FCCL_PERF_TRY(check(r, nullptr));
    out.reset(new SettingComm(comm));
    return {};
  }
  ~SettingComm() { fcclCommDestroy(comm_); }
  fcclComm_t get() const { return comm_; }

 private:
  explicit SettingComm(fcclComm_t comm) : comm_(comm) {}
  fcclComm_t comm_;
};

enum class Op { kAllGather, kReduceScatter, kAllReduce };

// The slowest rank's mean time of one call, in microseconds. `bytes`: the all-gather's output
// (the reduce-scatter's input, the all-reduce's buffer).
Outcome timeCall(fcclComm_t comm, ControlPlane& control, Op op, size_t bytes, char* send, char* recv, double& us) {
  const int n = control.nranks();
  const size_t per = bytes / static_cast<size_t>(n) / sizeof(float);
  const int iters = bytes <= (size_t{1} << 20) ? 20 : 3;
  auto once = [&]() -> Outcome {
    fcclResult_t r = fcclSuccess;
    switch (op) {
      case Op::kAllGather: r = fcclAllGather(send, recv, per, fcclFloat32, comm, nullptr); break;
      case Op::kReduceScatter: r = fcclReduceScatter(send, recv, per, fcclFloat32, fcclSum, comm, nullptr); break;
      case Op::kAllReduce: r = fcclAllReduce(send, recv, bytes / sizeof(float), fcclFloat32, fcclSum, comm, nullptr); break;
    }
    return check(r, comm);
  };
  for (int i = 0; i < 3; ++i) FCCL_PERF_TRY(once());
  // The best of several rounds: on a shared machine, other work only ever adds time.
  us = 0;
  for (int round = 0; round < 5; ++round) {
    FCCL_PERF_TRY(control.barrier());
    const auto start = Clock::now();
    for (int i = 0; i < iters; ++i) FCCL_PERF_TRY(once());
    double roundUs = std::chrono::duration<double, std::micro>(Clock::now() - start).count() / iters;
    FCCL_PERF_TRY(control.combine(roundUs, Combine::kMax));
    us = round == 0 ? roundUs : std::min(us, roundUs);
  }
  return {};
}

// a and B of a ring all-gather's steps from two sizes (B in GB/s, i.e. bytes per ns).
struct Fit {
  double latencyUs = 0;
  double gbps = 0;
  bool ok = false;
};
Fit fitSteps(int n, size_t small, double smallUs, size_t large, double largeUs) {
  const double steps = n - 1, b1 = static_cast<double>(small) / n, b2 = static_cast<double>(large) / n;
  Fit f;
  const double perByte = (largeUs - smallUs) / steps / (b2 - b1);  // us per byte
  if (perByte <= 0) return f;
  f.gbps = 1e-3 / perByte;
  f.latencyUs = smallUs / steps - b1 * perByte;
  if (f.latencyUs <= 0) f.latencyUs = smallUs / steps;
  f.ok = true;
  return f;
}

double copyGbps(size_t bytes) {
  AlignedBuffer a(bytes), b(bytes);
  std::memcpy(b.data(), a.data(), bytes);
  double best = 0;
  for (int round = 0; round < 5; ++round) {
    const auto start = Clock::now();
    for (int i = 0; i < 4; ++i) std::memcpy((i & 1 ? a : b).data(), (i & 1 ? b : a).data(), bytes);
    const double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
    best = std::max(best, 4.0 * static_cast<double>(bytes) / ns);
  }
  return best;
}

struct Calibration {
  CostParams params = CostParams::defaults();
  std::vector<std::string> notes;
};

class Calibrator {
 public:
  Calibrator(fcclComm_t base, ControlPlane& control)
      : base_(base), control_(control), n_(control.nranks()), send_(kLarge), recv_(kLarge) {}
  Outcome run(Calibration& c);

 private:
  static constexpr size_t kLarge = size_t{8} << 20;
  Outcome ringFit(std::vector<std::pair<const char*, const char*>> env, size_t large, Fit& fit, double* largeUs = nullptr);
  Outcome multicast(Calibration& c);

  fcclComm_t base_;
  ControlPlane& control_;
  int n_;
  AlignedBuffer send_, recv_;
};

Outcome Calibrator::ringFit(std::vector<std::pair<const char*, const char*>> env, size_t large, Fit& fit,
                            double* largeUs) {
  std::unique_ptr<SettingComm> comm;
  FCCL_PERF_TRY(SettingComm::make(base_, control_, std::move(env), comm));
  const size_t small = 64 * static_cast<size_t>(n_);
  double t1 = 0, t2 = 0;
  FCCL_PERF_TRY(timeCall(comm->get(), control_, Op::kAllGather, small, send_.data(), recv_.data(), t1));
  FCCL_PERF_TRY(timeCall(comm->get(), control_, Op::kAllGather, large, send_.data(), recv_.data(), t2));
  fit = fitSteps(n_, small, t1, large, t2);
  if (largeUs) *largeUs = t2;
  return {};
}

Outcome Calibrator::multicast(Calibration& c) {
  std::unique_ptr<SettingComm> oneShot, nvls;
  FCCL_PERF_TRY(SettingComm::make(base_, control_, {{"FCCL_ALGO", "nvls_oneshot"}}, oneShot));
  double syncUs = 0;
  if (!timeCall(oneShot->get(), control_, Op::kAllReduce, 8, send_.data(), recv_.data(), syncUs).ok()) {
    c.notes.push_back("multicast: no multicast object on this job (one scale-up domain needed); defaults kept");
    return {};
  }
  FCCL_PERF_TRY(SettingComm::make(base_, control_, {{"FCCL_ALGO", "nvls"}}, nvls));
  void* in = nullptr;
  void* out = nullptr;
  FCCL_PERF_TRY(check(fcclMemAlloc(&in, kLarge), nullptr));
  Outcome allocated = check(fcclMemAlloc(&out, kLarge), nullptr);
  double us = 0;
  Outcome timed = allocated.ok() ? timeCall(nvls->get(), control_, Op::kAllGather, kLarge, static_cast<char*>(in),
                                            static_cast<char*>(out), us)
                                 : allocated;
  fcclMemFree(in);
  if (out) fcclMemFree(out);
  FCCL_PERF_TRY(timed);
  c.params.multicast.latencyUs = syncUs;
  const double transfer = us - 2 * syncUs;
  if (transfer > 0) c.params.multicast.gbps = static_cast<double>(kLarge) / transfer * 1e-3;
  else c.notes.push_back("multicast rate: the fit came out non-positive; default kept");
  return {};
}

Outcome Calibrator::run(Calibration& c) {
  CostParams& p = c.params;
  Fit simple, ll, twoChannels, out, outTwo;
  double agUs = 0;
  FCCL_PERF_TRY(ringFit({{"FCCL_ALGO", "ring"}, {"FCCL_PROTO", "Simple"}, {"FCCL_NCHANNELS", "1"}}, kLarge, simple, &agUs));
  FCCL_PERF_TRY(ringFit({{"FCCL_ALGO", "ring"}, {"FCCL_PROTO", "LL"}, {"FCCL_NCHANNELS", "1"}},
                        size_t{16 << 10} * static_cast<size_t>(n_), ll));
  FCCL_PERF_TRY(ringFit({{"FCCL_ALGO", "ring"}, {"FCCL_PROTO", "Simple"}, {"FCCL_NCHANNELS", "2"}}, kLarge, twoChannels));
  auto take = [&](const Fit& f, LinkCost& link, const char* what) {
    if (f.ok) link = {f.latencyUs, f.gbps};
    else c.notes.push_back(std::string(what) + ": the fit came out non-positive; default kept");
  };
  take(simple, p.scaleUp[static_cast<int>(Proto::kSimple)], "scale-up Simple");
  take(ll, p.scaleUp[static_cast<int>(Proto::kLL)], "scale-up LL");
  p.channelGbpsUp = p.scaleUp[static_cast<int>(Proto::kSimple)].gbps;
  if (twoChannels.ok && twoChannels.gbps > 1.2 * p.channelGbpsUp) p.scaleUp[static_cast<int>(Proto::kSimple)].gbps = twoChannels.gbps;
  {
    std::unique_ptr<SettingComm> comm;
    FCCL_PERF_TRY(SettingComm::make(base_, control_, {{"FCCL_ALGO", "ring"}, {"FCCL_PROTO", "Simple"}, {"FCCL_NCHANNELS", "1"}}, comm));
    double rsUs = 0;
    FCCL_PERF_TRY(timeCall(comm->get(), control_, Op::kReduceScatter, kLarge, send_.data(), recv_.data(), rsUs));
    const double reduceUs = rsUs - agUs, reduced = static_cast<double>(n_ - 1) * static_cast<double>(kLarge) / n_;
    if (reduceUs > 0) p.reduceGbps = reduced / reduceUs * 1e-3;
    else c.notes.push_back("reduction rate: reduce-scatter was not slower than all-gather; default kept");
  }
  p.copyGbps = copyGbps(size_t{16} << 20);
  FCCL_PERF_TRY(ringFit({{"FCCL_ALGO", "ring"}, {"FCCL_TRANSPORT", "scaleout"}, {"FCCL_NCHANNELS", "1"}}, kLarge, out));
  FCCL_PERF_TRY(ringFit({{"FCCL_ALGO", "ring"}, {"FCCL_TRANSPORT", "scaleout"}, {"FCCL_NCHANNELS", "2"}}, kLarge, outTwo));
  take(out, p.scaleOut, "scale-out");
  p.channelGbpsOut = p.scaleOut.gbps;
  if (outTwo.ok && outTwo.gbps > 1.2 * p.channelGbpsOut) p.scaleOut.gbps = outTwo.gbps;
  return multicast(c);
}

}  // namespace

Outcome calibrate(const std::string& path, fcclComm_t base, ControlPlane& control) {
  if (control.nranks() < 2) return {"--calibrate needs at least 2 ranks: it measures hops between them"};
  Calibration c;
  Calibrator calibrator(base, control);
  FCCL_PERF_TRY(calibrator.run(c));
  if (control.rank() != 0) return {};
  char host[256] = "?";
  gethostname(host, sizeof host - 1);
  const std::time_t now = std::time(nullptr);
  char when[64];
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", std::localtime(&now));
  std::string comment = "fccl tuner figures, measured by fccl-perf --calibrate on " + std::string(host) + " with " +
                        std::to_string(control.nranks()) + " ranks, " + when;
  for (const std::string& note : c.notes) comment += "\n" + note;
  std::ofstream file(path);
  file << formatCostParams(c.params, comment);
  if (!file.good()) return {"cannot write " + path};
  c.params.source = path;
  std::printf("# fccl-perf --calibrate: %s\n", c.params.describe().c_str());
  for (const std::string& note : c.notes) std::printf("# %s\n", note.c_str());
  std::printf("# use it with FCCL_TUNER_FILE=%s (or put it at ~/.config/fccl/tuner.conf)\n", path.c_str());
  return {};
}

}  // namespace fccl::perf
