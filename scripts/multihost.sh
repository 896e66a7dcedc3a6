#!/usr/bin/env bash
# Runs a job across emulated hosts on this machine: HOSTS network namespaces (tools/netns/netns.sh,
# host h = fccl-h<h> at 10.213.0.<h+1>), RANKS_PER_HOST ranks in each, rank r on host
# r / RANKS_PER_HOST. fccl tells hosts apart by network namespace, so ranks on different hosts
# need the scale-out transport, as on a real cluster. Needs root.
#
#   scripts/multihost.sh HOSTS RANKS_PER_HOST [--] cmd args...
#       env-only launch: every rank gets FCCL_RANK, FCCL_NRANKS, FCCL_COMM_ID=<host 0>:<port>
#       (rank 0 serves the rendezvous there) and FCCL_COMM_SECRET (random, 32 hex digits).
#   scripts/multihost.sh --mpirun HOSTS RANKS_PER_HOST [--] cmd args...
#       mpirun with tools/netns/rsh-agent.sh as its "ssh"; it prints the mpirun line, which on a
#       real cluster is the same without -mca plm_rsh_agent and with real host names.
#
# fccl-perf across 2 hosts x 2 ranks (either launch; fccl-perf reads FCCL_RANK/FCCL_NRANKS, or
# takes its rank from mpirun and broadcasts the unique id through MPI):
#   scripts/multihost.sh 2 2 -- build/benchmarks/fccl-perf allreduce -b 8 -e 64M -f 4 -c 1
#   scripts/multihost.sh --mpirun 2 2 -- build/benchmarks/fccl-perf allreduce -b 8 -e 64M -f 4 -c 1
# Until the libfabric scale-out transport is built in, the first collective fails on every rank
# with "... outside this rank's scale-up domain, and this build has no scale-out transport".
#
# Waits for every rank and exits with the first failing rank's status (0 if all pass). After a
# failure the others get GRACE seconds (10) to notice, then SIGTERM. The hosts are removed on exit
# unless KEEP=1 (then `tools/netns/netns.sh down` removes them).
#   PORT=n        rendezvous port on host 0 (random in 20000..29999)
#   TAG=1         prefix every output line with "[rank r]" (env-only launch)
#   MPIRUN_ARGS   more mpirun arguments (--mpirun)
#   FCCL_NETNS_*  another namespace layout (see netns.sh)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
netns="$root/tools/netns/netns.sh"
agent="$root/tools/netns/rsh-agent.sh"

die() {
  echo "multihost.sh: $*" >&2
  exit 2
}

mode="env"
if [ "${1:-}" = "--mpirun" ]; then
  mode=mpirun
  shift
fi
[ $# -ge 3 ] || die "usage: multihost.sh [--mpirun] HOSTS RANKS_PER_HOST [--] cmd args..."
hosts=$1 per_host=$2
shift 2
[ "$1" = "--" ] && shift
if ! [[ $hosts =~ ^[0-9]+$ ]] || ((hosts < 1)); then die "HOSTS must be a positive integer, not '$hosts'"; fi
if ! [[ $per_host =~ ^[0-9]+$ ]] || ((per_host < 1)); then
  die "RANKS_PER_HOST must be a positive integer, not '$per_host'"
fi
[ $# -ge 1 ] || die "no command"
nranks=$((hosts * per_host))

why=$("$netns" check 2>&1) || die "cannot emulate hosts here: ${why#netns.sh: }"

pids=()
# shellcheck disable=SC2317  # runs from the trap
cleanup() {
  local rc=$? p alive
  trap - EXIT INT TERM
  # Ranks (or mpirun, which then stops its daemons) get 5 s to go before the namespaces do.
  if ((${#pids[@]})); then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    for _ in $(seq 50); do
      alive=0
      for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
      ((alive)) || break
      sleep 0.1
    done
    kill -KILL "${pids[@]}" 2>/dev/null || true
  fi
  if [ "${KEEP:-0}" = 1 ]; then
    echo "multihost.sh: KEEP=1: hosts left up (tools/netns/netns.sh down removes them)" >&2
  else
    "$netns" down
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$netns" up "$hosts" >&2
mapfile -t addresses < <("$netns" hosts | awk '{print $2}')
net=$(echo "${addresses[0]}" | cut -d. -f1-3).0/24

if [ "$mode" = mpirun ]; then
  command -v mpirun >/dev/null || die "no mpirun (scripts/install-deps.sh installs Open MPI)"
  host_list=""
  for ((h = 0; h < hosts; ++h)); do host_list+="${host_list:+,}${addresses[h]}:$per_host"; done
  [ "$(id -u)" -eq 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  # Daemons and ranks talk only over the bridge's subnet (the root namespace has other
  # interfaces the namespaces cannot all reach).
  cmd=(mpirun -mca plm_rsh_agent "$agent" -mca oob_tcp_if_include "$net" -mca btl_tcp_if_include "$net"
    --bind-to none --host "$host_list" -np "$nranks")
  read -r -a extra <<<"${MPIRUN_ARGS:-}"
  cmd+=("${extra[@]}" "$@")
  echo "multihost.sh: ${cmd[*]}" >&2
  # In the background, so that a signal to this script runs its trap at once.
  "${cmd[@]}" &
  pids=($!)
  set +e
  wait "${pids[0]}"
  rc=$?
  set -e
  pids=()
  exit "$rc"
fi

port=${PORT:-$((20000 + RANDOM % 10000))}
secret=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
echo "multihost.sh: $nranks ranks on $hosts hosts, rendezvous FCCL_COMM_ID=${addresses[0]}:$port" >&2
declare -A rank_of
for ((r = 0; r < nranks; ++r)); do
  h=$((r / per_host))
  launch=("$netns" run "$h" -- env FCCL_RANK="$r" FCCL_NRANKS="$nranks" FCCL_COMM_ID="${addresses[0]}:$port"
    FCCL_COMM_SECRET="$secret" "$@")
  if [ "${TAG:-0}" = 1 ]; then
    "${launch[@]}" > >(sed -u "s/^/[rank $r] /") 2> >(sed -u "s/^/[rank $r] /" >&2) &
  else
    "${launch[@]}" &
  fi
  pids+=($!)
  rank_of[$!]=$r
done

# Polls rather than `wait -n`: bash 5.2 loses jobs that end together by a signal ("no such job",
# or 127 with ranks left). A rank that `kill -0` no longer finds has been reaped by bash, which
# keeps its status for `wait PID`. After the first failure the others get GRACE seconds, then
# SIGTERM.
first_rc=0
deadline=""
while ((${#pids[@]})); do
  left=()
  for p in "${pids[@]}"; do
    if kill -0 "$p" 2>/dev/null; then
      left+=("$p")
      continue
    fi
    set +e
    wait "$p"
    rc=$?
    set -e
    if ((rc != 0 && first_rc == 0)); then
      first_rc=$rc
      echo "multihost.sh: rank ${rank_of[$p]} (host $((rank_of[$p] / per_host))) exited with $rc" >&2
      deadline=$((SECONDS + ${GRACE:-10}))
    fi
  done
  pids=("${left[@]}")
  if ((${#pids[@]})) && [ -n "$deadline" ] && ((SECONDS >= deadline)); then
    echo "multihost.sh: ${#pids[@]} rank(s) still running ${GRACE:-10} s after the failure: SIGTERM" >&2
    kill -TERM "${pids[@]}" 2>/dev/null || true
    deadline=""
  fi
  ((${#pids[@]})) && sleep 0.1
done
exit "$first_rc"
