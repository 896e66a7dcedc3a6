#!/usr/bin/env bash
# Soak: for MINUTES, rounds of random collectives (every collective, dtype and op, random counts,
# in and out of place, NULL stream or not) on 2..8 forked ranks, every result checked against a
# reference; in about 4 rounds of 10 a rank is killed (SIGKILL, or SIGSTOP then SIGKILL) in the
# middle, and every other rank must return an error within the communicator's timeout + 2 s.
# Rounds alternate at random between the per-hop default (shared memory here) and
# FCCL_TRANSPORT=scaleout (the libfabric net). Prints a line per round and a summary table;
# exits non-zero on a data error, a hang, a missed fault or an error no fault explains.
#   scripts/soak.sh MINUTES [--seed N] [--timeout-ms MS] [--max-ranks N]
# A round's seed is printed with it; `build/tools/fccl-soak/fccl-soak --round SEED` replays its plan.
# The ranks' stderr goes to build/soak-ranks.log, each round under a "=== round N [plan]" line.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 1 ] || ! [[ $1 =~ ^[0-9]+([.][0-9]+)?$ ]]; then
  echo "usage: scripts/soak.sh MINUTES [--seed N] [--timeout-ms MS] [--max-ranks N]" >&2
  exit 2
fi
minutes=$1
shift
scripts/install-deps.sh
scripts/build.sh
build=${FCCL_BUILD_DIR:-build}
# The ranks' own log (fccl's warnings, the wait reports of a timeout) goes to a file, round by
# round, so that the table stays readable.
exec "$build/tools/fccl-soak/fccl-soak" --minutes "$minutes" --rank-log "$build/soak-ranks.log" "$@"
