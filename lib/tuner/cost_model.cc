#include "tuner/cost_model.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace fccl {
namespace {

constexpr double kNever = std::numeric_limits<double>::infinity();
// What a dependent step costs on top of its latency where ranks outnumber the cores: the waiting
// rank yields, the scheduler switches to the peer and back (a few microseconds on a VM, measured
// as the gap between 8-byte all-reduces of 2 and of 4 ranks on 2 cores).
constexpr double kOversubscribedWakeUs = 2.0;

double wakeUs(const TopoShape& s) { return s.oversubscribed ? kOversubscribedWakeUs : 0; }

double bytesPerUs(double gbps) { return gbps * 1e3; }

// One hop of one channel.
struct Hop {
  double latencyUs;
  double bytesPerUs;
  double reduceBytesPerUs;  // the device's reduction, shared by the channels like the link
};

// One executor thread serves every channel's steps in turn, so a step's fixed cost is paid
// once per channel: more channels pay only where one channel cannot fill the link.
Hop hopOf(const CostParams& p, const TopoShape& s, bool scaleOut, Proto proto, int channels) {
  const LinkCost link = scaleOut ? p.scaleOut : p.scaleUp[static_cast<int>(proto)];
  const double channel = scaleOut ? p.channelGbpsOut : p.channelGbpsUp;
  const double perChannel = std::min(channel, link.gbps / channels);
  return {(link.latencyUs + wakeUs(s)) * channels, bytesPerUs(perChannel), bytesPerUs(p.reduceGbps) / channels};
}

// A chain of `hops` ranks, each receiving `bytes` from the one before and passing them on in
// chunks of at most `chunk`: every hop is a different link, so the chunks pipeline. Of the hops,
// `reduceShare` also reduce what they carry.
double pipelineUs(int hops, double bytes, size_t chunk, Hop hop, double reduceShare) {
  if (hops <= 0) return 0;
  const double rounds = std::max(1.0, std::ceil(bytes / static_cast<double>(std::max<size_t>(chunk, 1))));
  const double piece = bytes / rounds;
  const double perHop = hop.latencyUs + piece / hop.bytesPerUs + reduceShare * piece / hop.reduceBytesPerUs;
  return (hops + rounds - 1) * perHop;
}

// A ring's `steps`, each moving `stepBytes` to the next rank: every step uses this rank's one
// link, so chunking does not overlap them; the steps wait on each other around the ring.
double ringStepsUs(int steps, double stepBytes, Hop hop, double reduceShare) {
  if (steps <= 0) return 0;
  return steps * (hop.latencyUs + stepBytes / hop.bytesPerUs + reduceShare * stepBytes / hop.reduceBytesPerUs);
}

int ceilLog2(int n) {
  int k = 0;
  while ((1 << k) < n) ++k;
  return k;
}

double ringUs(const CostParams& p, const TopoShape& s, const CostQuery& q) {
  const int n = s.nranks, c = q.channels;
  const Hop hop = hopOf(p, s, s.ringScaleOut, q.proto, c);
  const double perChannel = static_cast<double>(q.bytes) / c;
  switch (q.collective) {
    case Collective::kAllReduce: return ringStepsUs(2 * (n - 1), perChannel / n, hop, 0.5);
    case Collective::kAllGather: return ringStepsUs(n - 1, perChannel / n, hop, 0);
    case Collective::kReduceScatter: return ringStepsUs(n - 1, perChannel / n, hop, 1);
    case Collective::kBroadcast: return pipelineUs(n - 1, perChannel, q.chunkBytes, hop, 0);
    case Collective::kReduce: return pipelineUs(n - 1, perChannel, q.chunkBytes, hop, 1);
    default: return kNever;
  }
}

double treeUs(const CostParams& p, const TopoShape& s, const CostQuery& q) {
  if (q.collective != Collective::kAllReduce) return kNever;
  Hop hop = hopOf(p, s, s.ringScaleOut, q.proto, q.channels);
  // Two trees each carry half, and every rank sends in both, up and down at once: its link
  // carries the whole buffer twice, so each stream gets half of it.
  hop.bytesPerUs /= 2;
  return pipelineUs(2 * ceilLog2(s.nranks), static_cast<double>(q.bytes) / q.channels, q.chunkBytes, hop, 0.5);
}

double doublingUs(const CostParams& p, const TopoShape& s, const CostQuery& q) {
  if (q.collective != Collective::kAllReduce) return kNever;
  int k = 0;
  while ((2 << k) <= s.nranks) ++k;
  const int rounds = k + ((1 << k) == s.nranks ? 0 : 2);  // the extra ranks fold in, and get the result back
  const Hop hop = hopOf(p, s, s.ringScaleOut, q.proto, q.channels);
  return rounds * ringStepsUs(1, static_cast<double>(q.bytes) / q.channels, hop, 1);
}

double hierUs(const CostParams& p, const TopoShape& s, const CostQuery& q) {
  if (!s.hierarchy || s.ranksPerDomain <= 0) return kNever;
  // With one domain there is no rail: the hierarchy is the ring in two phases, never better.
  if (s.domains < 2) return ringUs(p, s, q) + p.scaleUp[static_cast<int>(q.proto)].latencyUs;
  const int d = s.ranksPerDomain, domains = s.domains, c = q.channels;
  const Hop up = hopOf(p, s, false, q.proto, c), out = hopOf(p, s, true, Proto::kSimple, c);
  const double b = static_cast<double>(q.bytes) / c;
  switch (q.collective) {
    case Collective::kAllReduce:
      return ringStepsUs(d - 1, b / d, up, 1) + ringStepsUs(2 * (domains - 1), b / d / domains, out, 0.5) +
             ringStepsUs(d - 1, b / d, up, 0);
    case Collective::kAllGather:
      return ringStepsUs(domains - 1, b / s.nranks, out, 0) + ringStepsUs(d - 1, b / d, up, 0);
    case Collective::kReduceScatter:
      return ringStepsUs(d - 1, b / d, up, 1) + ringStepsUs(domains - 1, b / d / domains, out, 1);
    default: return kNever;
  }
}

// The multicast object: a barrier costs the multicast latency; multicastReduce reads a slice
// from every member and multicastStore writes one to every member, each at the multicast rate
// in bytes of all members together; staging copies the call through the window at copy rate.
double nvlsUs(const CostParams& p, const TopoShape& s, const CostQuery& q, bool oneShot) {
  if (!s.multicast) return kNever;
  const double bytes = static_cast<double>(q.bytes), n = s.nranks;
  const double mc = bytesPerUs(p.multicast.gbps), copy = bytesPerUs(p.copyGbps);
  const double sync = p.multicast.latencyUs + wakeUs(s);
  if (oneShot) {
    if (q.collective != Collective::kAllReduce || q.bytes > kOneShotMaxBytes) return kNever;
    return sync + bytes / copy + n * bytes / mc;  // stage in, then reduce all of it from every member
  }
  if (q.zeroCopy) {  // one round, straight between the members' buffers
    switch (q.collective) {
      case Collective::kAllReduce: return 2 * sync + bytes / mc + bytes / mc;
      case Collective::kAllGather:
      case Collective::kReduceScatter: return 2 * sync + bytes / mc;
      default: return kNever;
    }
  }
  const double rounds = std::max(1.0, std::ceil(bytes / n / static_cast<double>(kMulticastWindowBytes)));
  switch (q.collective) {
    case Collective::kAllReduce: return rounds * 2 * sync + bytes / copy + bytes / mc + bytes / mc + bytes / copy;
    case Collective::kAllGather: return rounds * 2 * sync + bytes / mc + bytes / copy;
    case Collective::kReduceScatter: return rounds * 2 * sync + bytes / copy + bytes / mc;
    default: return kNever;
  }
}

}  // namespace

bool usesFifos(std::string_view algorithm) { return algorithm != "nvls" && algorithm != "nvls_oneshot"; }

double predictUs(const CostParams& params, const TopoShape& shape, std::string_view algorithm, const CostQuery& q) {
  if (q.channels < 1) return kNever;
  // LL is a FIFO protocol; on hops over the net a call of either protocol runs Simple, which
  // hopOf prices alike.
  if (!usesFifos(algorithm) && q.proto != Proto::kSimple) return kNever;
  if (shape.nranks == 1) return static_cast<double>(q.bytes) / bytesPerUs(params.copyGbps);  // a local copy
  if (algorithm == "ring") return ringUs(params, shape, q);
  if (algorithm == "tree") return treeUs(params, shape, q);
  if (algorithm == "doubling") return doublingUs(params, shape, q);
  if (algorithm == "hier") return hierUs(params, shape, q);
  if (algorithm == "nvls") return nvlsUs(params, shape, q, false);
  if (algorithm == "nvls_oneshot") return nvlsUs(params, shape, q, true);
  return kNever;
}

}  // namespace fccl
