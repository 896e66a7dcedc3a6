#include "tuner/tuner.h"

#include <cmath>
#include <cstdio>

#include "algorithms/exchange/exchange_choice.h"
#include "common/log.h"
#include "tuner/cost_model.h"

namespace fccl {
namespace {

constexpr Collective kTunedCollectives[] = {Collective::kAllReduce, Collective::kAllGather, Collective::kReduceScatter,
                                            Collective::kBroadcast, Collective::kReduce};
// Simple chunks are tried from the slot down to this: smaller ones only add per-chunk latency.
constexpr size_t kMinSimpleChunk = 64 * 1024;

bool knownAnywhere(const std::string& name) {
  if (isExchangeAlgorithm(name)) return true;  // all-to-all(v)'s, chosen in algorithms/exchange
  for (Collective c : kTunedCollectives)
    if (findAlgorithm(c, name)) return true;
  return false;
}

}  // namespace

TunerOverrides parseAlgorithmList(const std::string& algo) {
  TunerOverrides o;
  std::string_view rest = algo;
  if (!rest.empty() && rest.front() == '^') {
    o.exclude = true;
    rest.remove_prefix(1);
  }
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view name = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (!name.empty()) o.algorithms.emplace_back(name);
  }
  return o;
}

Tuner::Tuner(CostParams params, TopoShape shape, TunerOverrides overrides, ChunkLimits chunks,
             std::unique_ptr<TunerPlugin> plugin)
    : params_(std::move(params)), shape_(shape), overrides_(std::move(overrides)), chunks_(chunks),
      plugin_(std::move(plugin)) {}

Expected<std::vector<Algorithm>> Tuner::candidates(Collective collective) const {
  const auto all = algorithmsFor(collective);
  std::vector<Algorithm> out(all.begin(), all.end());
  if (overrides_.algorithms.empty()) return out;
  std::string listed;
  for (const std::string& name : overrides_.algorithms) {
    if (!knownAnywhere(name)) {
      std::string known;
      for (const Algorithm& a : all) known += (known.empty() ? "" : ", ") + std::string(a.name);
      return Status(Code::kInvalidArgument, "FCCL_ALGO names '" + name + "', which is not an algorithm for " +
                                                std::string(collectiveName(collective)) + " (known: " + known + ")");
    }
  }
  auto listedHere = [&](const Algorithm& a) {
    for (const std::string& name : overrides_.algorithms)
      if (a.name == name) return true;
    return false;
  };
  std::vector<Algorithm> kept;
  for (const Algorithm& a : all)
    if (listedHere(a) != overrides_.exclude) kept.push_back(a);
  // An algorithm of other collectives only (FCCL_ALGO=hier, and this is a broadcast): this
  // collective keeps its own, as NCCL_ALGO does.
  return kept.empty() ? out : kept;
}

// A plan with hops over the net sends each chunk as one net message: no larger than the net
// moves at its rate.
size_t Tuner::simpleChunkBytes() const {
  if (shape_.allScaleUp) return chunks_.simpleBytes;
  // Clamped as a double first: the figure may come from a file or a peer, and any positive
  // finite number passes their checks, one beyond size_t's range included.
  const double limit = std::min(params_.scaleOutMessageBytes, static_cast<double>(chunks_.simpleBytes));
  return std::min(chunks_.simpleBytes, std::max(kMinSimpleChunk, static_cast<size_t>(limit)));
}

std::optional<TuneChoice> Tuner::bestOf(const Algorithm& algorithm, Proto proto, Collective collective,
                                        size_t bytes, bool zeroCopy) const {
  std::optional<TuneChoice> best;
  const bool fifo = usesFifos(algorithm.name);
  // Channels split FIFO traffic; the multicast object has one. FCCL_NCHANNELS forces a count.
  const bool forced = fifo && overrides_.channels > 0;
  const int fewest = forced ? overrides_.channels : 1;
  const int most = forced ? overrides_.channels : fifo ? std::max(1, shape_.maxChannels) : 1;
  for (int channels = fewest; channels <= most; channels *= 2) {
    const size_t largest = proto == Proto::kLL ? chunks_.llBytes : simpleChunkBytes();
    for (size_t chunk = largest; chunk > 0; chunk /= 2) {
      const double us = predictUs(params_, shape_, algorithm.name, CostQuery{collective, bytes, proto, channels, chunk, zeroCopy});
      if (std::isfinite(us) && (!best || us < best->predictedUs)) best = TuneChoice{algorithm, proto, channels, chunk, us};
      if (proto == Proto::kLL || !fifo || chunk / 2 < kMinSimpleChunk) break;
    }
  }
  return best;
}

Expected<TuneChoice> Tuner::choose(Collective collective, size_t bytes, bool zeroCopy) {
  const size_t slot =
      (bytes * 0x9e3779b97f4a7c15ull + static_cast<size_t>(collective) * 2 + (zeroCopy ? 1 : 0)) % kCacheEntries;
  CacheEntry& entry = cache_[slot];
  if (entry.used && entry.collective == collective && entry.bytes == bytes && entry.zeroCopy == zeroCopy)
    return entry.choice;
  FCCL_ASSIGN_OR_RETURN(TuneChoice choice, decide(collective, bytes, zeroCopy));
  entry = CacheEntry{true, collective, bytes, zeroCopy, choice};
  return choice;
}

Expected<TuneChoice> Tuner::decide(Collective collective, size_t bytes, bool zeroCopy) {
  FCCL_ASSIGN_OR_RETURN(std::vector<Algorithm> algorithms, candidates(collective));
  std::vector<TuneChoice> priced;
  for (const Algorithm& a : algorithms)
    for (Proto proto : {Proto::kSimple, Proto::kLL}) {  // Simple wins a tie
      if (overrides_.proto && *overrides_.proto != proto) continue;
      if (auto c = bestOf(a, proto, collective, bytes, zeroCopy)) priced.push_back(*c);
    }
  if (priced.empty()) {
    std::string names;
    for (const Algorithm& a : algorithms) names += (names.empty() ? "" : ", ") + std::string(a.name);
    return Status(Code::kInvalidUsage, "no algorithm allowed for " + std::string(collectiveName(collective)) + " (" +
                                           names + (overrides_.proto ? ", protocol " + std::string(protoName(*overrides_.proto)) : "") +
                                           ") can run on this communicator");
  }
  const TuneChoice* best = &priced.front();
  for (const TuneChoice& c : priced)
    if (c.predictedUs < best->predictedUs) best = &c;
  TuneChoice choice = *best;

  if (plugin_ && tunerCollIndex(collective) >= 0) {
    float table[kTunerTableSize];
    std::fill(std::begin(table), std::end(table), -1.0f);
    for (const TuneChoice& c : priced)
      if (int row = tunerAlgoIndex(c.algorithm.name); row >= 0)
        table[row * kTunerProtos + static_cast<int>(c.proto)] = static_cast<float>(c.predictedUs);
    int channels = choice.channels;
    FCCL_TRY(plugin_->reprice(static_cast<fcclTunerColl_t>(tunerCollIndex(collective)), bytes, table, &channels));
    const TuneChoice* picked = nullptr;
    float pickedCost = 0;
    for (const TuneChoice& c : priced) {
      const int row = tunerAlgoIndex(c.algorithm.name);
      if (row < 0) continue;
      const float cost = table[row * kTunerProtos + static_cast<int>(c.proto)];
      if (cost >= 0 && (!picked || cost < pickedCost)) {
        picked = &c;
        pickedCost = cost;
      }
    }
    if (picked) {
      choice = *picked;
      if (channels != best->channels && usesFifos(choice.algorithm.name)) choice.channels = channels;
    } else {
      FCCL_INFO(Subsys::kTune, "tuner plugin '%s' ruled out every choice for %s of %zu bytes; keeping fccl's",
                std::string(plugin_->name()).c_str(), std::string(collectiveName(collective)).c_str(), bytes);
    }
  }

  if (logEnabled(LogLevel::kInfo, Subsys::kTune)) {
    std::string others;
    for (const TuneChoice& c : priced) {
      char item[96];
      std::snprintf(item, sizeof item, "%s%s/%s %.1f us", others.empty() ? "" : ", ", std::string(c.algorithm.name).c_str(),
                    std::string(protoName(c.proto)).c_str(), c.predictedUs);
      others += item;
    }
    FCCL_INFO(Subsys::kTune, "%s %zu B%s: %s/%s x%d channel(s), chunk %zu B, %.1f us predicted%s (priced: %s)",
              std::string(collectiveName(collective)).c_str(), bytes, zeroCopy ? " (buffers mapped by every rank)" : "",
              std::string(choice.algorithm.name).c_str(),
              std::string(protoName(choice.proto)).c_str(), choice.channels, choice.chunkBytes, choice.predictedUs,
              plugin_ ? ", after the tuner plugin" : "", others.c_str());
  }
  return choice;
}

}  // namespace fccl
