#!/usr/bin/env bash
# All-reduce on emulated hosts grouped into scale-up domains, three ways in one run:
#   hierarchical (FCCL_ALGO=hier), flat ring forced onto the scale-out net
#   (FCCL_TRANSPORT=scaleout), flat ring with the per-hop choice (scale-up inside a domain).
#   benchmarks/hier_compare.sh [HOSTS RANKS_PER_HOST HOSTS_PER_DOMAIN [fccl-perf args...]]
#   benchmarks/hier_compare.sh 4 2 2 -b 8 -e 64M -f 4 -c 1
# Host h is in domain h / HOSTS_PER_DOMAIN (FCCL_SCALEUP_DOMAIN=rack<d>). Needs root (network
# namespaces); env-only launch through scripts/multihost.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
hosts=${1:-4} per_host=${2:-2} hosts_per_domain=${3:-2}
shift $(($# < 3 ? $# : 3))
build=${FCCL_BUILD_DIR:-build}
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(-b 8 -e 64M -f 4 -c 1)
ranks_per_domain=$((per_host * hosts_per_domain))

run() {
  local label=$1
  shift
  echo "=== $label: allreduce, $hosts host(s) x $per_host rank(s), $hosts_per_domain host(s) per scale-up domain ==="
  # shellcheck disable=SC2016  # expanded by each rank's shell
  env "$@" KEEP=1 scripts/multihost.sh "$hosts" "$per_host" -- sh -c \
    "FCCL_SCALEUP_DOMAIN=rack\$((FCCL_RANK / $ranks_per_domain)) exec \"\$0\" \"\$@\"" \
    "$build/benchmarks/fccl-perf" allreduce "${args[@]}" 2>/dev/null | grep -v "^#  Rank"
  echo
}

run "hierarchical (FCCL_ALGO=hier)" FCCL_ALGO=hier
run "flat ring, every hop scale-out (FCCL_TRANSPORT=scaleout)" FCCL_ALGO=ring FCCL_TRANSPORT=scaleout
run "flat ring, per-hop choice" FCCL_ALGO=ring
tools/netns/netns.sh down
