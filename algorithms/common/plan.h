// A plan is what an algorithm makes of one collective call: per channel, an ordered list of
// steps over a small fixed set of primitives, each naming the peers it talks to and the slices
// of the user buffers it reads and writes. Plans are plain data: the executor runs them, tests
// inspect them, and a simulator can price them. No I/O, no transports, no waiting in here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fccl {

constexpr int kNoPeer = -1;

// What a step does with the chunk stream between this rank and its peers. "Reduce" combines the
// received data with this rank's `src` slice; "Copy" stores into `dst`; "Send" forwards.
// The Reduce...Copy primitives produce a final result, which is where fcclAvg divides.
enum class Prim : uint8_t {
  kSend,                // send src
  kRecv,                // recv into dst
  kRecvReduceSend,      // send (recv op src)
  kRecvReduceCopySend,  // dst = (recv op src), send dst
  kRecvReduceCopy,      // dst = (recv op src)
  kRecvCopySend,        // dst = recv, send it on
  kCopy,                // dst = src, locally
  // The multicast object (NVLS): every rank of the communicator is a member and maps the
  // others' copies of a buffer. In these steps `src.buffer` / `dst.buffer` name that buffer on
  // every member: extraBuffer(0) is the multicast window each member exposes for staging,
  // kInput / kOutput the members' own buffers (zero copy, when every member's are mappable).
  kMulticastSync,    // arrive, then wait until every member has arrived at its matching sync
  kMulticastReduce,  // dst (this rank's) = reduction over every member of its src slice
  kMulticastStore,   // every member's dst slice = this rank's src slice
  kMulticastPut,     // member sendPeer's dst slice = this rank's src slice (a store to one)
};
std::string_view primName(Prim prim);

// A call's buffers: its input and output, and for grouped point-to-point calls one extra buffer
// per send or receive (extraBuffer(i)), since those do not share one input and one output.
enum class Buffer : uint16_t { kInput = 0, kOutput = 1 };
constexpr Buffer extraBuffer(size_t index) { return static_cast<Buffer>(2 + index); }
constexpr bool isExtra(Buffer b) { return static_cast<uint16_t>(b) >= 2; }
constexpr size_t extraIndex(Buffer b) { return static_cast<size_t>(b) - 2; }

// A range of elements in one of the call's buffers.
struct Slice {
  Buffer buffer = Buffer::kInput;
  size_t offset = 0;  // in elements
  size_t count = 0;   // in elements
};

struct Step {
  Prim prim;
  int sendPeer = kNoPeer;
  int recvPeer = kNoPeer;
  Slice src;  // read by kSend, kRecvReduce*, kCopy
  Slice dst;  // written by kRecv, kRecv*Copy*, kCopy
  // The step moves its chunk c in round c + lag. A lag lets a later phase trail an earlier one
  // (a tree's broadcast behind its reduction) and lets several transfers to one peer follow one
  // another, so that no round puts more than one chunk into any FIFO.
  uint32_t lag = 0;
  // A Reduce...Copy step whose result is not final (a tree node's partial sum): fcclAvg does
  // not divide there.
  bool partial = false;
};

struct Channel {
  std::vector<Step> steps;
};

struct Plan {
  std::string algorithm;  // "ring", "local", ...
  std::vector<Channel> channels;
  // Multicast plans run their one channel step by step, each step whole (no chunk rounds): the
  // syncs order them across members. extraBuffer(0) is then the multicast window.
  bool multicast = false;
  // Elements of scratch the plan needs beyond the call's buffers (partial results with no place
  // in the output): the caller provides them as extraBuffer(0), of the call's dtype.
  size_t scratchElems = 0;
};

bool primSends(Prim prim);
bool primRecvs(Prim prim);
bool primReduces(Prim prim);
bool primReadsSrc(Prim prim);
bool primWritesDst(Prim prim);
bool primMulticast(Prim prim);

// One line per step, for TRACE logs and test failure messages.
std::string describePlan(const Plan& plan);

}  // namespace fccl
