#!/usr/bin/env bash
# The main job: fccl-perf for all-reduce, all-gather and all-to-all on 4 local ranks (8 B .. 64 MiB,
# factor 4, checked), with the transport of every hop of every rank, then the same sweeps through
# Open MPI.
#   scripts/demo.sh              4 ranks
#   NP=8 scripts/demo.sh         another rank count
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build=${FCCL_BUILD_DIR:-build}
np=${NP:-4}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpirun=(mpirun --oversubscribe --bind-to none -np "$np")

for coll in allreduce allgather alltoall; do
  echo
  echo "=== fccl: $coll on $np ranks (hops as chosen by each rank, then the table) ==="
  # INIT at INFO prints, per rank, which transport each hop uses and why; the table follows.
  FCCL_DEBUG=INFO FCCL_DEBUG_SUBSYS=INIT "${mpirun[@]}" "$build/benchmarks/fccl-perf" "$coll" -b 8 -e 64M -f 4 -c 1 \
    2> >(grep --line-buffered -E "via|ready in" >&2)
done
echo
echo "=== fccl next to Open MPI and Gloo, $np ranks: benchmarks/compare.sh (table and plot) ==="
OUT="$build/compare" benchmarks/compare.sh "$np" -b 8 -e 64M -f 4 -c 1 -n 10 -w 2
cat "$build/compare/compare.md"
