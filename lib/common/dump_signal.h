// SIGUSR1 asks a running job what it is waiting for: every communicator of the process logs its
// wait state and asks its peers to report theirs to rank 0 (comm/hang_report.h). The handler
// only counts signals (async-signal-safe); communicators notice the count change on their
// alarm line's next tick.
#pragma once

#include <cstdint>

namespace fccl {

// Installs the handler once per process, unless the application already handles SIGUSR1 (its
// handler is left alone). Communicators made with FCCL_DUMP_SIGNAL=0 do not call it.
void installDumpSignal();
// How many SIGUSR1 arrived since the handler was installed.
uint64_t dumpSignalCount();

}  // namespace fccl
