#include "tools/fccl-soak/collective_check.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "harness/reference.h"

namespace fccl::soak {
namespace {

using test::elementBytes;

constexpr size_t kMaxBufferBytes = size_t{4} << 20;  // per buffer and rank
constexpr std::byte kPoison{0xa5};                   // what an output holds before the call
constexpr uint64_t kShiftRange = 997;                // reduction inputs start this far into the reference

const char* collectiveName(Collective c) {
  switch (c) {
    case Collective::kAllReduce: return "allreduce";
    case Collective::kAllGather: return "allgather";
    case Collective::kReduceScatter: return "reducescatter";
    case Collective::kBroadcast: return "broadcast";
    case Collective::kReduce: return "reduce";
    case Collective::kAllToAll: return "alltoall";
    case Collective::kSendRecv: return "sendrecv";
  }
  return "?";
}

const char* typeName(fcclDataType_t t) {
  static const char* const names[] = {"int8", "uint8", "int32", "uint32", "int64", "uint64",
                                      "fp16", "fp32",  "fp64",  "bf16",   "fp8e4m3", "fp8e5m2"};
  return t >= 0 && t < fcclNumTypes ? names[t] : "?";
}

const char* opName(fcclRedOp_t op) {
  static const char* const names[] = {"sum", "prod", "max", "min", "avg"};
  return op >= 0 && op < fcclNumOps ? names[op] : "?";
}

bool isReduction(Collective c) {
  return c == Collective::kAllReduce || c == Collective::kReduceScatter || c == Collective::kReduce;
}

// How many `count`-element blocks the input and the output of a rank hold.
size_t inputBlocks(Collective c, int n) {
  return c == Collective::kReduceScatter || c == Collective::kAllToAll ? static_cast<size_t>(n) : 1;
}
size_t outputBlocks(Collective c, int n) {
  return c == Collective::kAllGather || c == Collective::kAllToAll ? static_cast<size_t>(n) : 1;
}

uint64_t splitmix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Byte k of the block `sender` sends as its block `block` (the destination, for all-to-all).
std::byte patternByte(uint64_t salt, int sender, size_t block, size_t k) {
  const uint64_t word = splitmix(salt ^ (static_cast<uint64_t>(sender) << 56) ^ (static_cast<uint64_t>(block) << 44) ^
                                 static_cast<uint64_t>(k >> 3));
  return static_cast<std::byte>(word >> ((k & 7) * 8));
}

void fillPattern(std::byte* dst, size_t bytes, uint64_t salt, int sender, size_t block) {
  for (size_t k = 0; k < bytes; ++k) dst[k] = patternByte(salt, sender, block, k);
}

// Reduction input of `rank`: elements first .. first + count of its reference inputs.
void fillReduceInput(std::byte* dst, const OpSpec& s, int rank, int n, size_t first, size_t count) {
  const size_t elem = elementBytes(s.type);
  const size_t shift = s.salt % kShiftRange;
  for (size_t j = 0; j < count; ++j)
    test::encode(s.type, test::inputValue(s.type, s.op, rank, first + j + shift, n), dst + j * elem);
}

struct Buffers {
  std::vector<std::byte> input;   // out of place only
  std::vector<std::byte> output;  // in place: also the input
  std::vector<std::byte> inputCopy;
  const void* send = nullptr;
  void* recv = nullptr;
};

// This rank's input for the whole send side (all blocks), written at `dst`.
void fillInput(std::byte* dst, const OpSpec& s, int rank, int n) {
  const size_t blockBytes = s.count * elementBytes(s.type);
  const size_t blocks = inputBlocks(s.collective, n);
  if (isReduction(s.collective)) return fillReduceInput(dst, s, rank, n, 0, s.count * blocks);
  for (size_t b = 0; b < blocks; ++b) fillPattern(dst + b * blockBytes, blockBytes, s.salt, rank, b);
}

// The broadcast's non-roots and the reduce's non-roots read or write nothing of one side.
bool sendsInput(const OpSpec& s, int rank) { return s.collective != Collective::kBroadcast || rank == s.root; }

Buffers prepare(const OpSpec& s, int rank, int n) {
  const size_t blockBytes = s.count * elementBytes(s.type);
  Buffers b;
  b.output.assign(blockBytes * outputBlocks(s.collective, n), kPoison);
  if (s.inPlace) {
    // In place as fccl.h defines it: the input is the output (gather: its own block of it;
    // reduce-scatter: the output is this rank's block of the input).
    if (s.collective == Collective::kReduceScatter) {
      b.output.assign(blockBytes * static_cast<size_t>(n), kPoison);
      fillInput(b.output.data(), s, rank, n);
      b.send = b.output.data();
      b.recv = b.output.data() + static_cast<size_t>(rank) * blockBytes;
    } else if (s.collective == Collective::kAllGather) {
      std::byte* own = b.output.data() + static_cast<size_t>(rank) * blockBytes;
      fillInput(own, s, rank, n);
      b.send = own;
      b.recv = b.output.data();
    } else {
      if (sendsInput(s, rank)) fillInput(b.output.data(), s, rank, n);
      b.send = b.recv = b.output.data();
    }
    return b;
  }
  if (sendsInput(s, rank)) {
    b.input.resize(blockBytes * inputBlocks(s.collective, n));
    fillInput(b.input.data(), s, rank, n);
    b.inputCopy = b.input;
    b.send = b.input.data();
  }
  // A non-root of reduce may pass no output at all; on odd salts it does.
  const bool noOutput = s.collective == Collective::kReduce && rank != s.root && (s.salt & 1);
  b.recv = noOutput ? nullptr : b.output.data();
  return b;
}

fcclResult_t sendRecv(const OpSpec& s, const Buffers& b, fcclComm_t comm, fcclStream_t stream, int rank, int n) {
  const int to = (rank + s.shift) % n, from = (rank - s.shift + n) % n;
  fcclResult_t first = fcclGroupStart();
  if (first != fcclSuccess) return first;
  const fcclResult_t sent = fcclSend(b.send, s.count, s.type, to, comm, stream);
  const fcclResult_t received = fcclRecv(b.recv, s.count, s.type, from, comm, stream);
  const fcclResult_t ended = fcclGroupEnd();  // always: a group left open would swallow later calls
  return sent != fcclSuccess ? sent : received != fcclSuccess ? received : ended;
}

fcclResult_t call(const OpSpec& s, const Buffers& b, fcclComm_t comm, fcclStream_t stream, int rank, int n) {
  switch (s.collective) {
    case Collective::kAllReduce: return fcclAllReduce(b.send, b.recv, s.count, s.type, s.op, comm, stream);
    case Collective::kAllGather: return fcclAllGather(b.send, b.recv, s.count, s.type, comm, stream);
    case Collective::kReduceScatter: return fcclReduceScatter(b.send, b.recv, s.count, s.type, s.op, comm, stream);
    case Collective::kBroadcast:
      // The legacy in-place form on odd salts, so both entry points soak.
      if (s.inPlace && (s.salt & 1)) return fcclBcast(b.recv, s.count, s.type, s.root, comm, stream);
      return fcclBroadcast(b.send, b.recv, s.count, s.type, s.root, comm, stream);
    case Collective::kReduce: return fcclReduce(b.send, b.recv, s.count, s.type, s.op, s.root, comm, stream);
    case Collective::kAllToAll: return fcclAllToAll(b.send, b.recv, s.count, s.type, comm, stream);
    case Collective::kSendRecv: return sendRecv(s, b, comm, stream, rank, n);
  }
  return fcclInvalidArgument;
}

void noteWrong(OpOutcome& out, const std::string& what) {
  if (out.wrongElements++ == 0) out.firstWrong = what;
}

// Output elements [0, count) against the reduced reference elements first ...
void checkReduced(const OpSpec& s, const std::byte* got, size_t first, int n, OpOutcome& out) {
  const size_t elem = elementBytes(s.type);
  const size_t shift = s.salt % kShiftRange;
  for (size_t j = 0; j < s.count; ++j) {
    const double value = test::decode(s.type, got + j * elem);
    const double want = test::reducedValue(s.type, s.op, first + j + shift, n);
    if (!test::matches(s.type, s.op, value, want))
      noteWrong(out, "element " + std::to_string(j) + " is " + std::to_string(value) + ", expected " +
                         std::to_string(want));
  }
  out.bytesChecked += s.count * elem;
}

// Output block `slot` holds what `sender` sent as its block `block`.
void checkBlock(const OpSpec& s, const std::byte* got, size_t slot, int sender, size_t block, OpOutcome& out) {
  const size_t bytes = s.count * elementBytes(s.type);
  for (size_t k = 0; k < bytes; ++k)
    if (got[k] != patternByte(s.salt, sender, block, k))
      noteWrong(out, "byte " + std::to_string(k) + " of block " + std::to_string(slot) + " (from rank " +
                         std::to_string(sender) + ") is " + std::to_string(static_cast<int>(got[k])) + ", expected " +
                         std::to_string(static_cast<int>(patternByte(s.salt, sender, block, k))));
  out.bytesChecked += bytes;
}

// A buffer the call must leave alone (a const input, a non-root's output) still holds `want`.
void checkUntouched(const std::byte* got, const std::vector<std::byte>& want, const char* what, OpOutcome& out) {
  if (!std::equal(want.begin(), want.end(), got)) noteWrong(out, std::string(what) + " was written to");
  out.bytesChecked += want.size();
}

void checkOutput(const OpSpec& s, const Buffers& b, int rank, int n, OpOutcome& out) {
  const auto* got = static_cast<const std::byte*>(b.recv);
  const size_t blockBytes = s.count * elementBytes(s.type);
  switch (s.collective) {
    case Collective::kAllReduce: return checkReduced(s, got, 0, n, out);
    case Collective::kReduceScatter: return checkReduced(s, got, static_cast<size_t>(rank) * s.count, n, out);
    case Collective::kReduce:
      if (rank == s.root) return checkReduced(s, got, 0, n, out);
      if (got && s.inPlace) {  // only the root writes: a non-root's buffer keeps its input
        std::vector<std::byte> input(blockBytes);
        fillInput(input.data(), s, rank, n);
        return checkUntouched(got, input, "a non-root's in-place reduce buffer", out);
      }
      if (got) return checkUntouched(got, std::vector<std::byte>(blockBytes, kPoison), "a non-root's reduce output", out);
      return;
    case Collective::kBroadcast: return checkBlock(s, got, 0, s.root, 0, out);
    case Collective::kAllGather:
      for (int i = 0; i < n; ++i) checkBlock(s, got + static_cast<size_t>(i) * blockBytes, static_cast<size_t>(i), i, 0, out);
      return;
    case Collective::kAllToAll:
      for (int i = 0; i < n; ++i)
        checkBlock(s, got + static_cast<size_t>(i) * blockBytes, static_cast<size_t>(i), i, static_cast<size_t>(rank), out);
      return;
    case Collective::kSendRecv: return checkBlock(s, got, 0, (rank - s.shift + n) % n, 0, out);
  }
}

size_t randomCount(std::mt19937_64& rng, size_t maxElements) {
  const unsigned bits = static_cast<unsigned>(rng() % 19);  // log-uniform up to 256 Ki elements
  size_t count = bits == 0 ? rng() % 2 : (size_t{1} << (bits - 1)) + rng() % (size_t{1} << (bits - 1));
  return std::min(count, maxElements);
}

}  // namespace

OpSpec randomOp(std::mt19937_64& rng, int nranks) {
  OpSpec s;
  s.collective = static_cast<Collective>(rng() % 7);
  s.type = static_cast<fcclDataType_t>(rng() % fcclNumTypes);
  s.op = static_cast<fcclRedOp_t>(rng() % fcclNumOps);
  const size_t blocks = std::max(inputBlocks(s.collective, nranks), outputBlocks(s.collective, nranks));
  s.count = randomCount(rng, kMaxBufferBytes / elementBytes(s.type) / blocks);
  s.root = static_cast<int>(rng() % static_cast<uint64_t>(nranks));
  s.shift = 1 + static_cast<int>(rng() % static_cast<uint64_t>(nranks - 1));
  s.inPlace = s.collective != Collective::kSendRecv && rng() % 2 == 0;
  s.onStream = rng() % 4 == 0;
  s.salt = rng();
  return s;
}

std::string describe(const OpSpec& s) {
  std::string text = std::string(collectiveName(s.collective)) + " " + typeName(s.type);
  if (isReduction(s.collective)) text += std::string(" ") + opName(s.op);
  text += " count=" + std::to_string(s.count);
  if (s.collective == Collective::kBroadcast || s.collective == Collective::kReduce)
    text += " root=" + std::to_string(s.root);
  if (s.collective == Collective::kSendRecv) text += " shift=" + std::to_string(s.shift);
  if (s.inPlace) text += " in-place";
  if (s.onStream) text += " stream";
  return text;
}

OpOutcome runAndCheck(const OpSpec& spec, fcclComm_t comm, fcclStream_t stream, int rank, int nranks) {
  Buffers buffers = prepare(spec, rank, nranks);
  fcclStream_t on = spec.onStream ? stream : nullptr;
  OpOutcome out;
  out.result = call(spec, buffers, comm, on, rank, nranks);
  if (out.result == fcclSuccess && on) out.result = fcclStreamSynchronize(on);
  if (out.result != fcclSuccess) return out;
  checkOutput(spec, buffers, rank, nranks, out);
  if (!buffers.inputCopy.empty())
    checkUntouched(buffers.input.data(), buffers.inputCopy, "the send buffer", out);
  return out;
}

}  // namespace fccl::soak
