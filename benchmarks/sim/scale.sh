#!/usr/bin/env bash
# fccl-sim at rack and cluster scale: sweeps on topologies/nvl72-efa.json (64 NVL72 racks, 4,608
# ranks on EFA), each timed with /usr/bin/time -v (wall and CPU time, peak resident memory).
#   benchmarks/sim/scale.sh [OUT_DIR] [SWEEP...]     (default build-sim/scale, every sweep below)
# A sweep is NAME:COLLECTIVE:RANKS:ALGO (ALGO "-" for the tuner's choice); sizes 1 MiB .. 1 GiB.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${FCCL_BUILD_DIR:-build-sim}
out=${1:-$build/scale}
shift $(($# > 0 ? 1 : 0))
sim=$build/tools/fccl-sim/fccl-sim
topo=topologies/nvl72-efa.json
sizes=(-b 1M -e 1G -f "${FACTOR:-4}")
sweeps=("$@")
[ ${#sweeps[@]} -gt 0 ] || sweeps=(
  hier-allreduce:allreduce:4608:hier
  tuned-allreduce:allreduce:4608:-
  allgather:allgather:4608:-
  ring-allreduce-576:allreduce:576:ring
  tuned-allreduce-576:allreduce:576:-
  alltoall-576:alltoall:576:-
)
mkdir -p "$out"
for sweep in "${sweeps[@]}"; do
  IFS=: read -r name coll ranks algo <<<"$sweep"
  args=("$coll" "${sizes[@]}" --ranks "$ranks" --topo "$topo" --csv "$out/$name.csv")
  [ "$algo" = - ] || args+=(--algo "$algo")
  echo "== $name: fccl-sim ${args[*]}"
  /usr/bin/time -v -o "$out/$name.time" "$sim" "${args[@]}" | tee "$out/$name.txt"
  grep -E "Elapsed|User time|Maximum resident" "$out/$name.time"
done
