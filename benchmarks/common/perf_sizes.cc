#include "perf_sizes.h"

#include <algorithm>
#include <cmath>

namespace fccl::perf {

size_t allToAllvCount(size_t c, double skew, int from, int to, int nranks) {
  if (nranks <= 1) return c;
  const double step = static_cast<double>((from + to) % nranks) / (nranks - 1);
  return static_cast<size_t>(std::floor(static_cast<double>(c) * (1 + skew * step) / (1 + skew / 2)));
}

PeerBlocks allToAllvBlocks(size_t c, double skew, int nranks, int rank) {
  PeerBlocks b;
  size_t sent = 0, received = 0;
  for (int peer = 0; peer < nranks; ++peer) {
    b.sendDispls.push_back(sent);
    b.sendCounts.push_back(allToAllvCount(c, skew, rank, peer, nranks));
    sent += b.sendCounts.back();
    b.recvDispls.push_back(received);
    b.recvCounts.push_back(allToAllvCount(c, skew, peer, rank, nranks));
    received += b.recvCounts.back();
  }
  return b;
}

SizePlan planForBytes(Collective c, size_t bytes, size_t typeSize, int nranks, int rank, double skew) {
  const size_t count = bytes / typeSize;
  const size_t n = static_cast<size_t>(nranks), r = static_cast<size_t>(rank);
  SizePlan p{};
  switch (c) {
    case Collective::kAllReduce:
    case Collective::kBroadcast:
    case Collective::kReduce:
    case Collective::kSendRecv:
    case Collective::kMoe:  // sized by its own sweep (perf_moe.h); the tokens' bytes here
      p = {count, count, count, 0, 0, 0};
      break;
    case Collective::kAllGather: {  // in place: this rank's part already sits in the result
      const size_t per = count / n;
      p = {per, per, per * n, per * r, 0, 0};
      break;
    }
    case Collective::kReduceScatter: {  // in place: the result is this rank's part of the input
      const size_t per = count / n;
      p = {per, per * n, per, 0, per * r, 0};
      break;
    }
    case Collective::kAllToAll: {
      const size_t per = count / n;
      p = {per, per * n, per * n, 0, 0, 0};
      break;
    }
    case Collective::kAllToAllv: {
      const size_t per = count / n;
      p.paramCount = per;
      p.blocks = allToAllvBlocks(per, skew, nranks, rank);
      for (size_t k : p.blocks.sendCounts) p.sendCount += k;
      for (size_t k : p.blocks.recvCounts) p.recvCount += k;
      break;
    }
  }
  p.rowBytes = std::max(p.sendCount, p.recvCount) * typeSize;
  return p;
}

std::vector<size_t> sweepSizes(const Options& o) {
  std::vector<size_t> sizes;
  for (size_t size = o.minBytes; size <= o.maxBytes;) {
    sizes.push_back(size);
    const size_t next = o.stepFactor > 1 ? size * o.stepFactor : size + o.stepBytes;
    if (next <= size || (o.stepFactor > 1 && next / o.stepFactor != size)) break;  // 0 * f, overflow
    size = next;
  }
  return sizes;
}

double busBwFactor(Collective c, int nranks) {
  const double n = nranks;
  if (c == Collective::kBroadcast || c == Collective::kReduce || c == Collective::kSendRecv) return 1.0;
  return c == Collective::kAllReduce ? 2.0 * (n - 1) / n : (n - 1) / n;
}

double algBwGBs(size_t rowBytes, double seconds) {
  return seconds > 0 ? static_cast<double>(rowBytes) / 1.0e9 / seconds : 0.0;
}

}  // namespace fccl::perf
