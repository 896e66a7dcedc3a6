#!/usr/bin/env bash
# fccl's scale-out path next to Open MPI over TCP, on the same emulated hosts, in one run:
#   benchmarks/scaleout_compare.sh HOSTS RANKS_PER_HOST COLLECTIVE [fccl-perf/mpi-perf args...]
#   benchmarks/scaleout_compare.sh 2 1 allreduce -b 8 -e 64M -f 4 -c 1
# Both launch through mpirun with the namespace rsh agent (scripts/multihost.sh --mpirun), so
# ranks, placement and flags are the same; Open MPI is held to its TCP BTL (`--mca btl
# tcp,self`, no shared memory even between ranks of one host), fccl picks per hop (scale-up
# inside a host, the libfabric net between hosts). Needs root (network namespaces).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 3 ] || { sed -n '2,8p' "$0"; exit 2; }
hosts=$1 per_host=$2 coll=$3
shift 3
build=${FCCL_BUILD_DIR:-build}
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(-b 8 -e 64M -f 4 -c 1)

echo "=== fccl: $coll, $hosts host(s) x $per_host rank(s) ==="
FCCL_DEBUG=INFO FCCL_DEBUG_SUBSYS=INIT KEEP=1 scripts/multihost.sh --mpirun "$hosts" "$per_host" -- \
  "$build/benchmarks/fccl-perf" "$coll" "${args[@]}" 2> >(grep --line-buffered -E "via " | sort -u >&2)
echo
echo "=== Open MPI over TCP (--mca btl tcp,self): $coll, $hosts host(s) x $per_host rank(s) ==="
MPIRUN_ARGS="--mca btl tcp,self" scripts/multihost.sh --mpirun "$hosts" "$per_host" -- \
  "$build/benchmarks/mpi-perf" "$coll" "${args[@]}"
