#include "comm/comm_options.h"

#include "common/env.h"

namespace fccl {

Expected<CommOptions> resolveCommOptions(const fcclConfig_t* config) {
  CommOptions o;
  FCCL_ASSIGN_OR_RETURN(o.timeoutMs, envInt("FCCL_TIMEOUT_MS", o.timeoutMs, 1, int64_t{1} << 40));
  FCCL_ASSIGN_OR_RETURN(int64_t chunk, envInt("FCCL_CHUNK_SIZE", static_cast<int64_t>(o.chunkBytes), 4096, 64 << 20));
  if (chunk % 64 != 0) return Status(Code::kInvalidArgument, "FCCL_CHUNK_SIZE must be a multiple of 64");
  o.chunkBytes = static_cast<size_t>(chunk);
  FCCL_ASSIGN_OR_RETURN(int64_t slots, envInt("FCCL_SHM_SLOTS", o.fifoSlots, 2, 64));
  o.fifoSlots = static_cast<uint32_t>(slots);
  if (auto algo = envString("FCCL_ALGO")) o.algorithm = *algo;
  if (auto proto = envString("FCCL_PROTO")) {
    o.proto = parseProto(*proto);
    if (!o.proto) return Status(Code::kInvalidArgument, "FCCL_PROTO=" + *proto + " is not LL or Simple");
  }
  // Plans of the tree use two plan channels per channel, and connections hold 32 per peer.
  FCCL_ASSIGN_OR_RETURN(int64_t channels, envInt("FCCL_NCHANNELS", 0, 1, 16));
  o.channels = static_cast<int>(channels);
  FCCL_ASSIGN_OR_RETURN(int64_t maxChannels, envInt("FCCL_MAX_NCHANNELS", o.maxChannels, 1, 16));
  o.maxChannels = static_cast<int>(maxChannels);
  FCCL_ASSIGN_OR_RETURN(int64_t llChunk, envInt("FCCL_LL_CHUNK_SIZE", static_cast<int64_t>(o.llChunkBytes), 64, 1 << 20));
  if (llChunk % 8 != 0) return Status(Code::kInvalidArgument, "FCCL_LL_CHUNK_SIZE must be a multiple of 8");
  o.llChunkBytes = static_cast<size_t>(llChunk);
  if (auto transport = envString("FCCL_TRANSPORT")) {
    o.transport = *transport == "auto" ? "" : *transport;
    if (!o.transport.empty() && o.transport != "scaleup" && o.transport != "scaleout")
      return Status(Code::kInvalidArgument, "FCCL_TRANSPORT=" + *transport + " is not auto, scaleup or scaleout");
  }
  FCCL_ASSIGN_OR_RETURN(int64_t check, envInt("FCCL_CHECK", 0, 0, 1));
  o.checkCalls = check == 1;
  FCCL_ASSIGN_OR_RETURN(int64_t dumpOnTimeout, envInt("FCCL_DUMP_ON_TIMEOUT", 1, 0, 1));
  o.dumpOnTimeout = dumpOnTimeout == 1;
  FCCL_ASSIGN_OR_RETURN(int64_t dumpOnSignal, envInt("FCCL_DUMP_SIGNAL", 1, 0, 1));
  o.dumpOnSignal = dumpOnSignal == 1;
  FCCL_ASSIGN_OR_RETURN(int64_t pin, envInt("FCCL_PIN_PROGRESS", 1, 0, 1));
  o.pinProgress = pin == 1;
  if (!config) return o;

  if (config->size < offsetof(fcclConfig_t, netName) || config->magic != FCCL_CONFIG_MAGIC)
    return Status(Code::kInvalidArgument,
                  "config was not initialised with FCCL_CONFIG_INITIALIZER (size " + std::to_string(config->size) +
                      ", magic " + std::to_string(config->magic) + ")");
  if (config->blocking != FCCL_CONFIG_UNDEF_INT) {
    if (config->blocking != 0 && config->blocking != 1)
      return Status(Code::kInvalidArgument, "config.blocking is " + std::to_string(config->blocking) + ", must be 0 or 1");
    o.blocking = config->blocking == 1;
  }
  if (config->timeoutMs != FCCL_CONFIG_UNDEF_INT) {
    if (config->timeoutMs <= 0)
      return Status(Code::kInvalidArgument, "config.timeoutMs is " + std::to_string(config->timeoutMs) + ", must be > 0");
    o.timeoutMs = config->timeoutMs;
  }
  return o;
}

}  // namespace fccl
