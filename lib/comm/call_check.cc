#include "comm/call_check.h"

#include <cstring>
#include <map>
#include <vector>

#include "algorithms/algorithms.h"
#include "common/dtype.h"

namespace fccl {
namespace {

struct Traffic {
  uint64_t messages = 0;
  uint64_t bytes = 0;
  uint64_t sizesHash = 0xcbf29ce484222325ull;  // FNV-1a over the message sizes, in order

  void add(uint64_t size) {
    ++messages;
    bytes += size;
    for (int i = 0; i < 8; ++i) sizesHash = (sizesHash ^ ((size >> (8 * i)) & 0xff)) * 0x100000001b3ull;
  }
  bool operator==(const Traffic& o) const {
    return messages == o.messages && bytes == o.bytes && sizesHash == o.sizesHash;
  }
};

// Per peer: [0, n) what this rank sends to it, [n, 2n) what it receives from it.
std::vector<Traffic> trafficOf(const Plan& plan, int nranks, size_t elemBytes) {
  std::vector<Traffic> t(2 * static_cast<size_t>(nranks));
  for (const Channel& channel : plan.channels)
    for (const Step& s : channel.steps) {
      const size_t elems = primReadsSrc(s.prim) ? s.src.count : s.dst.count;
      if (elems == 0) continue;
      if (primSends(s.prim)) t[static_cast<size_t>(s.sendPeer)].add(elems * elemBytes);
      if (primRecvs(s.prim)) t[static_cast<size_t>(nranks + s.recvPeer)].add(elems * elemBytes);
    }
  return t;
}

std::string describeTraffic(const Traffic& t) {
  return std::to_string(t.messages) + " message(s), " + std::to_string(t.bytes) + " bytes";
}

}  // namespace

std::string describeSignature(const CallSignature& s) {
  if (s.kind == kPointToPointKind) return "send/recv group #" + std::to_string(s.seq);
  if (s.kind == kMoeDispatchKind || s.kind == kMoeCombineKind)
    return std::string(s.kind == kMoeDispatchKind ? "moe dispatch #" : "moe combine #") + std::to_string(s.seq) +
           " (" + std::string(typeName(static_cast<fcclDataType_t>(s.type))) + ", shape hash " +
           std::to_string(s.count) + ")";
  // All-to-allv counts differ per rank by design: its signature carries none (see agreeOnTraffic).
  const bool counted = s.kind != static_cast<uint32_t>(Collective::kAllToAllv);
  std::string out = std::string(collectiveName(static_cast<Collective>(s.kind))) + " #" + std::to_string(s.seq) + " (" +
                    (counted ? std::to_string(s.count) + " x " : std::string()) +
                    std::string(typeName(static_cast<fcclDataType_t>(s.type)));
  if (s.op >= 0) out += ", " + std::string(opName(static_cast<fcclRedOp_t>(s.op)));
  if (s.root >= 0) out += ", root " + std::to_string(s.root);
  return out + ")";
}

Status agreeOnCall(Bootstrap& bootstrap, int rank, int nranks, const CallSignature& mine) {
  std::vector<CallSignature> all(static_cast<size_t>(nranks));
  all[static_cast<size_t>(rank)] = mine;
  FCCL_TRY(bootstrap.allGather(std::as_writable_bytes(std::span(all)), sizeof(CallSignature))
               .context("FCCL_CHECK: comparing calls"));
  auto same = [](const CallSignature& a, const CallSignature& b) { return std::memcmp(&a, &b, sizeof a) == 0; };
  // The call most ranks made is taken as the intended one; the others are named.
  size_t best = 0, bestVotes = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    size_t votes = 0;
    for (const auto& s : all) votes += same(s, all[i]) ? 1 : 0;
    if (votes > bestVotes) best = i, bestVotes = votes;
  }
  if (bestVotes == all.size()) return Status::ok();
  for (size_t i = 0; i < all.size(); ++i) {
    if (same(all[i], all[best])) continue;
    // Kind and type are numbers from a peer: describe them only when they are ones we know.
    const CallSignature& odd = all[i];
    const bool known = (odd.kind <= static_cast<uint32_t>(Collective::kAllToAllv) || odd.kind == kPointToPointKind ||
                        odd.kind == kMoeDispatchKind || odd.kind == kMoeCombineKind) &&
                       odd.type >= 0 && odd.type < fcclNumTypes && odd.op < static_cast<int32_t>(fcclNumOps);
    return Status(Code::kInvalidUsage,
                  "FCCL_CHECK: rank " + std::to_string(i) + " called " +
                      (known ? describeSignature(odd) : std::string("something unknown")) + " where rank " +
                      std::to_string(best) + " and " + std::to_string(bestVotes - 1) + " other(s) called " +
                      describeSignature(all[best]) + "; " + std::to_string(all.size() - bestVotes) +
                      " rank(s) differ");
  }
  return Status::ok();
}

Status agreeOnTraffic(Bootstrap& bootstrap, int rank, int nranks, const Plan& plan, size_t elemBytes,
                      const std::string& what) {
  const size_t n = static_cast<size_t>(nranks);
  std::vector<Traffic> all(2 * n * n);
  const std::vector<Traffic> mine = trafficOf(plan, nranks, elemBytes);
  std::copy(mine.begin(), mine.end(), all.begin() + static_cast<ptrdiff_t>(2 * n * static_cast<size_t>(rank)));
  FCCL_TRY(bootstrap.allGather(std::as_writable_bytes(std::span(all)), 2 * n * sizeof(Traffic))
               .context("FCCL_CHECK: comparing point-to-point traffic"));
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j) {
      const Traffic& sent = all[2 * n * i + j];       // i -> j, as i sees it
      const Traffic& received = all[2 * n * j + n + i];  // i -> j, as j sees it
      if (i == j || sent == received) continue;
      return Status(Code::kInvalidUsage, "FCCL_CHECK: in " + what + ", rank " + std::to_string(i) + " sends " +
                                             describeTraffic(sent) + " to rank " + std::to_string(j) +
                                             ", which receives " + describeTraffic(received) + " from it");
    }
  return Status::ok();
}

}  // namespace fccl
