#include "algorithms/common/plan.h"

namespace fccl {

std::string_view primName(Prim prim) {
  switch (prim) {
    case Prim::kSend: return "send";
    case Prim::kRecv: return "recv";
    case Prim::kRecvReduceSend: return "recvReduceSend";
    case Prim::kRecvReduceCopySend: return "recvReduceCopySend";
    case Prim::kRecvReduceCopy: return "recvReduceCopy";
    case Prim::kRecvCopySend: return "recvCopySend";
    case Prim::kCopy: return "copy";
    case Prim::kMulticastSync: return "multicastSync";
    case Prim::kMulticastReduce: return "multicastReduce";
    case Prim::kMulticastStore: return "multicastStore";
    case Prim::kMulticastPut: return "multicastPut";
  }
  return "?";
}

bool primSends(Prim p) {
  return p == Prim::kSend || p == Prim::kRecvReduceSend || p == Prim::kRecvReduceCopySend || p == Prim::kRecvCopySend;
}
bool primMulticast(Prim p) {
  return p == Prim::kMulticastSync || p == Prim::kMulticastReduce || p == Prim::kMulticastStore ||
         p == Prim::kMulticastPut;
}
bool primRecvs(Prim p) { return p != Prim::kSend && p != Prim::kCopy && !primMulticast(p); }
bool primReduces(Prim p) {
  return p == Prim::kRecvReduceSend || p == Prim::kRecvReduceCopySend || p == Prim::kRecvReduceCopy;
}
bool primReadsSrc(Prim p) {
  return p == Prim::kSend || p == Prim::kCopy || primReduces(p) || p == Prim::kMulticastReduce ||
         p == Prim::kMulticastStore || p == Prim::kMulticastPut;
}
bool primWritesDst(Prim p) {
  return p == Prim::kRecv || p == Prim::kRecvReduceCopySend || p == Prim::kRecvReduceCopy || p == Prim::kRecvCopySend ||
         p == Prim::kCopy || p == Prim::kMulticastReduce || p == Prim::kMulticastStore || p == Prim::kMulticastPut;
}

namespace {
std::string describeSlice(const Slice& s) {
  const std::string name = isExtra(s.buffer)          ? "buf" + std::to_string(extraIndex(s.buffer))
                           : s.buffer == Buffer::kInput ? "in"
                                                        : "out";
  return name + "[" + std::to_string(s.offset) + "+" +
         std::to_string(s.count) + "]";
}
}  // namespace

std::string describePlan(const Plan& plan) {
  std::string out = plan.algorithm + ":";
  for (size_t c = 0; c < plan.channels.size(); ++c) {
    out += "\n channel " + std::to_string(c) + ":";
    for (const Step& s : plan.channels[c].steps) {
      out += "\n  " + std::string(primName(s.prim));
      if (primRecvs(s.prim)) out += " from " + std::to_string(s.recvPeer);
      if (primSends(s.prim) || s.prim == Prim::kMulticastPut) out += " to " + std::to_string(s.sendPeer);
      if (primReadsSrc(s.prim)) out += " src " + describeSlice(s.src);
      if (primWritesDst(s.prim)) out += " dst " + describeSlice(s.dst);
      if (s.lag > 0) out += " lag " + std::to_string(s.lag);
      if (s.partial) out += " partial";
    }
  }
  return out;
}

}  // namespace fccl
