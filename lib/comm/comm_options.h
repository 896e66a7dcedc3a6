// A communicator's settings: the caller's fcclConfig_t where it says something, else the
// environment, else defaults. Read and validated once, at init.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "algorithms/common/protocol.h"
#include "common/expected.h"
#include "fccl/fccl.h"

namespace fccl {

struct CommOptions {
  int64_t timeoutMs = 300000;   // FCCL_TIMEOUT_MS, config->timeoutMs
  bool blocking = true;         // config->blocking
  size_t chunkBytes = 512 << 10;  // FCCL_CHUNK_SIZE: bytes a step moves at a time (also the FIFO slot)
  uint32_t fifoSlots = 8;       // FCCL_SHM_SLOTS
  std::string algorithm;        // FCCL_ALGO, empty = the tuner's choice (a list: tuner/tuner.h)
  std::optional<Proto> proto;   // FCCL_PROTO: LL or Simple, unset = the tuner's choice
  int channels = 0;             // FCCL_NCHANNELS: 0 = the tuner's choice
  int maxChannels = 4;          // FCCL_MAX_NCHANNELS: the most the tuner may choose
  size_t llChunkBytes = 16 << 10;  // FCCL_LL_CHUNK_SIZE: data bytes one LL slot carries
  bool checkCalls = false;      // FCCL_CHECK=1: ranks compare every call before running it
  std::string transport;        // FCCL_TRANSPORT: "" (per hop: scale-up within a host), "scaleup", "scaleout"
  int device = 0;               // the local device this rank drives (fcclCommInitAll)
  bool dumpOnTimeout = true;    // FCCL_DUMP_ON_TIMEOUT=0 turns off the job-wide wait report on a timeout
  bool dumpOnSignal = true;
  bool pinProgress = true;      // FCCL_PIN_PROGRESS=0 leaves fccl's progress threads where the OS puts them     // FCCL_DUMP_SIGNAL=0 leaves SIGUSR1 alone
};

// `config` may be null. Rejects a config whose size/magic/version is wrong and out-of-range values.
Expected<CommOptions> resolveCommOptions(const fcclConfig_t* config);

}  // namespace fccl
