// The figures the tuner's cost model prices plans with: per fabric and protocol a hop's
// latency and bandwidth, the device's reduction and copy rates, and the multicast object's
// (NVLS) barrier latency and rate. Built-in defaults fit the host device on a current CPU;
// `fccl-perf --calibrate` measures this machine and writes them to a file (FCCL_TUNER_FILE).
//
// The file is text, one `key value` per line, `#` starts a comment:
//   scaleup.simple.latency_us 1.8
//   scaleup.simple.gbps 7.5
// Keys it leaves out keep their default. An unknown key, a value that is not a positive finite
// number, or a key given twice is an error naming the file, the line and the key.
#pragma once

#include <string>
#include <string_view>

#include "algorithms/common/protocol.h"
#include "common/expected.h"

namespace fccl {

// One hop: fixed cost and rate. GB/s is 1e9 bytes/s, i.e. 1e3 bytes per microsecond.
struct LinkCost {
  double latencyUs = 0;
  double gbps = 0;
};

struct CostParams {
  LinkCost scaleUp[kNumProtos];  // indexed by Proto
  LinkCost scaleOut;             // the net always runs Simple
  // What one channel moves at most, whatever the link: one executor step at a time copies or
  // reduces it. Several channels share the link: bw(C) = min(C x channel, link).
  double channelGbpsUp = 0;
  double channelGbpsOut = 0;
  double reduceGbps = 0;  // the device's reduction, in bytes of output per second
  double copyGbps = 0;    // a local copy (staging into and out of the multicast window)
  LinkCost multicast;     // NVLS: one barrier over the multicast object; multicastReduce/Store rate
  // The largest message a scale-out hop moves at its rate. Nets send small messages eagerly and
  // switch to a rendezvous above some size (a handshake, then a transfer the sender's progress
  // must serve), which on a busy host moves less: the tuner cuts the chunks of plans that cross
  // the net to this.
  double scaleOutMessageBytes = 0;
  std::string source = "built-in defaults";

  static CostParams defaults();
  // Where the figures came from and what they are, for INFO logs and fccl-perf.
  std::string describe() const;
};

// The figures as a flat array (the file's keys, in order), for ranks to agree on rank 0's.
constexpr size_t kCostFigureCount = 13;
void toFigures(const CostParams& params, double (&figures)[kCostFigureCount]);
// Rejects figures that are not positive and finite (a peer's, for instance).
Expected<CostParams> fromFigures(const double (&figures)[kCostFigureCount], std::string source);

// Reads a calibration file over the defaults.
Expected<CostParams> loadCostParams(const std::string& path);
// Parses the text of one (`name` for messages).
Expected<CostParams> parseCostParams(std::string_view text, const std::string& name);
// The file's text for `params`, every key, with a header comment `comment`.
std::string formatCostParams(const CostParams& params, std::string_view comment);
// FCCL_TUNER_FILE, else $HOME/.config/fccl/tuner.conf when it exists, else the defaults.
Expected<CostParams> costParamsFromEnv();
// The path fccl-perf --calibrate writes when given none: FCCL_TUNER_FILE or the home default.
std::string defaultCostParamsPath();

}  // namespace fccl
