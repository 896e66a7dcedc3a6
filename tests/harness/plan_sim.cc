#include "harness/plan_sim.h"

#include <algorithm>
#include <deque>
#include <limits>
#include <map>
#include <tuple>

namespace fccl::test {
namespace {

// The chunks from one rank to another on one channel. A chunk sent in tick t is seen from tick
// t+1 on, and a slot freed in tick t is reusable from tick t+1 on, so that one tick is one hop.
struct Fifo {
  struct Chunk {
    std::vector<double> data;
    size_t sentTick;
  };
  std::deque<Chunk> chunks;
  size_t freedTick = std::numeric_limits<size_t>::max();
  size_t freedNow = 0;
};

struct Cursor {
  int rank = 0;
  int channel = 0;
  size_t round = 0;
  size_t rounds = 0;
  size_t step = 0;
};

enum class Move { kMoved, kSkipped, kBlocked };

size_t stepElems(const Step& s) { return primReadsSrc(s.prim) ? s.src.count : s.dst.count; }

class Job {
 public:
  Job(std::vector<SimRank>& ranks, const SimOptions& options) : ranks_(ranks), options_(options) {}
  SimResult run();

 private:
  int nranks() const { return static_cast<int>(ranks_.size()); }
  const std::vector<Step>& stepsOf(const Cursor& c) const {
    return ranks_[static_cast<size_t>(c.rank)].plan.channels[static_cast<size_t>(c.channel)].steps;
  }
  bool finished(const Cursor& c) const { return c.round >= c.rounds; }
  Fifo& fifo(int from, int to, int channel) { return fifos_[{from, to, channel}]; }
  bool full(const Fifo& f) const { return f.chunks.size() + (f.freedTick == tick_ ? f.freedNow : 0) >= options_.slots; }
  bool arrived(const Fifo& f) const { return !f.chunks.empty() && f.chunks.front().sentTick < tick_; }

  std::string validate();
  std::string checkSlice(const Cursor& c, const Slice& s, const char* what) const;
  Move advance(Cursor& c);
  std::vector<double> moveChunk(SimRank& rank, const Step& s, size_t offset, size_t count,
                                const std::vector<double>* in) const;
  std::string where(const Cursor& c) const;
  std::string waitsFor(const Cursor& c);
  std::string leftovers() const;

  std::vector<SimRank>& ranks_;
  const SimOptions& options_;
  std::vector<Cursor> cursors_;
  std::map<std::tuple<int, int, int>, Fifo> fifos_;  // (from, to, channel)
  SimResult result_;
  size_t tick_ = 0;
};

const SimExtent* extentOf(const SimRank& rank, Buffer b) {
  if (!isExtra(b)) return b == Buffer::kInput ? &rank.input : &rank.output;
  return extraIndex(b) < rank.extra.size() ? &rank.extra[extraIndex(b)] : nullptr;
}

std::string Job::where(const Cursor& c) const {
  const std::vector<Step>& steps = stepsOf(c);
  std::string out = "rank " + std::to_string(c.rank) + " channel " + std::to_string(c.channel);
  if (c.step >= steps.size()) return out;
  const Step& s = steps[c.step];
  out +=
      " step " + std::to_string(c.step + 1) + "/" + std::to_string(steps.size()) + " " + std::string(primName(s.prim));
  if (primRecvs(s.prim)) out += " from rank " + std::to_string(s.recvPeer);
  if (primSends(s.prim)) out += " to rank " + std::to_string(s.sendPeer);
  return out + ", round " + std::to_string(c.round + 1) + "/" + std::to_string(c.rounds);
}

std::string Job::checkSlice(const Cursor& c, const Slice& s, const char* what) const {
  const SimExtent* extent = extentOf(ranks_[static_cast<size_t>(c.rank)], s.buffer);
  if (!extent) return where(c) + ": " + what + " names a buffer the rank does not have";
  if (s.offset + s.count > extent->count)
    return where(c) + ": " + what + " [" + std::to_string(s.offset) + "+" + std::to_string(s.count) +
           "] lies outside its buffer of " + std::to_string(extent->count) + " elements";
  return "";
}

// Peers and slices are checked once, up front, so that moving chunks need not check them.
std::string Job::validate() {
  if (options_.chunkElems == 0 || options_.slots == 0) return "chunks and FIFOs must hold at least one element";
  for (int r = 0; r < nranks(); ++r) {
    const Plan& plan = ranks_[static_cast<size_t>(r)].plan;
    for (size_t ch = 0; ch < plan.channels.size(); ++ch) {
      Cursor c{r, static_cast<int>(ch)};
      for (const Step& s : plan.channels[ch].steps) {
        if (stepElems(s) > 0)
          c.rounds = std::max(c.rounds, s.lag + (stepElems(s) + options_.chunkElems - 1) / options_.chunkElems);
      }
      for (c.step = 0; c.step < plan.channels[ch].steps.size(); ++c.step) {
        const Step& s = plan.channels[ch].steps[c.step];
        auto badPeer = [&](int p) { return p < 0 || p >= nranks() || p == r; };
        if (primRecvs(s.prim) && badPeer(s.recvPeer)) return where(c) + ": no such peer to receive from";
        if (primSends(s.prim) && badPeer(s.sendPeer)) return where(c) + ": no such peer to send to";
        std::string bad = primReadsSrc(s.prim) ? checkSlice(c, s.src, "src") : "";
        if (bad.empty() && primWritesDst(s.prim)) bad = checkSlice(c, s.dst, "dst");
        if (!bad.empty()) return bad;
        if (primReadsSrc(s.prim) && primWritesDst(s.prim) && s.src.count != s.dst.count)
          return where(c) + ": src and dst differ in length";
      }
      c.step = 0;
      cursors_.push_back(c);
    }
  }
  return "";
}

// One chunk of a step, as the executor's moveChunk does it: returns what a sending step sends.
std::vector<double> Job::moveChunk(SimRank& rank, const Step& s, size_t offset, size_t count,
                                   const std::vector<double>* in) const {
  std::vector<double> value(count);
  const bool divides = (s.prim == Prim::kRecvReduceCopy || s.prim == Prim::kRecvReduceCopySend) && !s.partial;
  for (size_t i = 0; i < count; ++i) {
    const double local =
        primReadsSrc(s.prim) ? rank.memory[extentOf(rank, s.src.buffer)->at + s.src.offset + offset + i] : 0;
    value[i] = primReduces(s.prim) ? (*in)[i] + local : in ? (*in)[i] : local;
    if (divides && options_.average) value[i] /= static_cast<double>(nranks());
  }
  if (primWritesDst(s.prim)) {
    const size_t at = extentOf(rank, s.dst.buffer)->at + s.dst.offset + offset;
    std::copy(value.begin(), value.end(), rank.memory.begin() + static_cast<std::ptrdiff_t>(at));
  }
  return value;
}

Move Job::advance(Cursor& c) {
  const Step& s = stepsOf(c)[c.step];
  const size_t total = stepElems(s), chunkElems = options_.chunkElems;
  const size_t first = (c.round - std::min<size_t>(c.round, s.lag)) * chunkElems;
  const size_t count = c.round >= s.lag && first < total ? std::min(chunkElems, total - first) : 0;
  if (count > 0) {
    Fifo* in = primRecvs(s.prim) ? &fifo(s.recvPeer, c.rank, c.channel) : nullptr;
    Fifo* out = primSends(s.prim) ? &fifo(c.rank, s.sendPeer, c.channel) : nullptr;
    if ((in && !arrived(*in)) || (out && full(*out))) return Move::kBlocked;
    if (in && in->chunks.front().data.size() != count) {
      result_.error = where(c) + ": rank " + std::to_string(s.recvPeer) + " sent " +
                      std::to_string(in->chunks.front().data.size()) + " elements where " + std::to_string(count) +
                      " were expected";
      return Move::kBlocked;
    }
    std::vector<double> sent =
        moveChunk(ranks_[static_cast<size_t>(c.rank)], s, first, count, in ? &in->chunks.front().data : nullptr);
    if (out) {
      out->chunks.push_back({std::move(sent), tick_});
      result_.sentElems[static_cast<size_t>(c.rank)] += count;
    }
    if (in) {
      in->chunks.pop_front();
      if (in->freedTick != tick_) in->freedTick = tick_, in->freedNow = 0;
      ++in->freedNow;
      result_.recvElems[static_cast<size_t>(c.rank)] += count;
    }
  }
  if (++c.step == stepsOf(c).size()) {
    c.step = 0;
    ++c.round;
  }
  return count > 0 ? Move::kMoved : Move::kSkipped;
}

std::string Job::waitsFor(const Cursor& c) {
  const Step& s = stepsOf(c)[c.step];
  if (primRecvs(s.prim) && fifo(s.recvPeer, c.rank, c.channel).chunks.empty())
    return "waits for data from rank " + std::to_string(s.recvPeer);
  return "waits for a free slot to rank " + std::to_string(s.sendPeer) + " (" +
         std::to_string(fifo(c.rank, s.sendPeer, c.channel).chunks.size()) + " chunks queued)";
}

std::string Job::leftovers() const {
  std::string out;
  for (const auto& [key, f] : fifos_) {
    if (f.chunks.empty()) continue;
    const auto& [from, to, channel] = key;
    out += "\n  rank " + std::to_string(from) + " -> rank " + std::to_string(to) + " channel " +
           std::to_string(channel) + ": " + std::to_string(f.chunks.size()) + " chunks never received";
  }
  return out.empty() ? out : "every rank finished, but data was left in FIFOs:" + out;
}

SimResult Job::run() {
  result_.sentElems.assign(ranks_.size(), 0);
  result_.recvElems.assign(ranks_.size(), 0);
  result_.error = validate();
  for (tick_ = 0; result_.ok(); ++tick_) {
    bool moved = false;
    size_t left = 0;
    for (Cursor& c : cursors_) {
      // Steps with nothing to move this round cost no time; at most one chunk moves per tick.
      Move m = Move::kSkipped;
      while (!finished(c) && m == Move::kSkipped) m = advance(c);
      if (!result_.ok()) return result_;
      moved = moved || m == Move::kMoved;
      left += finished(c) ? 0 : 1;
    }
    if (moved) result_.ticks = tick_ + 1;
    if (left == 0) break;
    if (moved) continue;
    result_.error = "deadlock: no rank can move";
    for (const Cursor& c : cursors_)
      if (!finished(c)) result_.error += "\n  " + where(c) + " " + waitsFor(c);
  }
  if (result_.ok()) result_.error = leftovers();
  return result_;
}

}  // namespace

SimRank outOfPlaceRank(Plan plan, const std::vector<double>& input, size_t outputCount, double fill) {
  SimRank rank{std::move(plan), input, {0, input.size()}, {input.size(), outputCount}, {}};
  rank.memory.resize(input.size() + outputCount, fill);
  return rank;
}

SimRank inPlaceRank(Plan plan, std::vector<double> output, size_t inputAt, size_t inputCount) {
  const size_t size = output.size();
  return SimRank{std::move(plan), std::move(output), {inputAt, inputCount}, {0, size}, {}};
}

std::vector<double> contents(const SimRank& rank, SimExtent extent) {
  const auto first = rank.memory.begin() + static_cast<std::ptrdiff_t>(extent.at);
  return std::vector<double>(first, first + static_cast<std::ptrdiff_t>(extent.count));
}

SimResult simulate(std::vector<SimRank>& ranks, const SimOptions& options) { return Job(ranks, options).run(); }

}  // namespace fccl::test
