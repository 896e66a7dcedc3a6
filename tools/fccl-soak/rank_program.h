// One rank of a soak round, in a forked child: builds its communicator on the round's id, runs
// the round's collectives (every rank draws the same sequence from the round's seed), checks
// each result, and reports to the driver through `reportFd` (rank_report.h). A round without a
// fault runs plan.operations collectives and destroys the communicator; a round with one goes
// on until a call fails, then aborts. Never returns: the child _exits, so the driver's atexit
// handlers and static destructors run only in the driver.
#pragma once

#include "fccl/fccl.h"
#include "tools/fccl-soak/round_plan.h"

namespace fccl::soak {

[[noreturn]] void runRank(const RoundPlan& plan, const fcclUniqueId& id, int rank, int timeoutMs, int reportFd);

}  // namespace fccl::soak
