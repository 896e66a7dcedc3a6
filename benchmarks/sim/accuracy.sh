#!/usr/bin/env bash
# fccl-sim's accuracy on this machine, measured and predicted in one run:
#   1. fccl-perf measures all-reduce, all-gather, reduce-scatter and all-to-all, 64 KiB .. 64 MiB:
#      on one host with 2, 3, 4, 5 and 8 ranks; on emulated hosts (network namespaces) with 2 and
#      4 hosts of one rank each (every hop over the scale-out net); and on 4 hosts x 2 ranks in 2
#      scale-up domains (hosts 0-1 and 2-3).
#   2. fccl-sim calibrate fits this machine's figures to the n = 2 and n = 4 runs only.
#   3. fccl-sim predicts the others (one host n = 3, 5, 8; 4 hosts x 2) and the table compares.
#   benchmarks/sim/accuracy.sh [OUT_DIR]      (default build-sim/accuracy; needs root for the hosts)
# Real runs and the simulator price the tuner's choices with the same figures: the built-in
# defaults (no FCCL_TUNER_FILE, no ~/.config/fccl/tuner.conf; fccl-sim --tuner-file defaults).
# This machine is shared: other work only ever adds time to a run, so every run is made REPEAT
# times (3) and a size counts with its fastest row, in place or out of place (they differ by a
# local copy), in calibration and in the table alike.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${FCCL_BUILD_DIR:-build-sim}
out=${1:-$build/accuracy}
mkdir -p "$out"
perf=$build/benchmarks/fccl-perf
sim=$build/tools/fccl-sim/fccl-sim
collectives=(allreduce allgather reducescatter alltoall)
sweep=(-b 64K -e 64M -f 4)
timing=(-n "${ITERS:-10}" -w 3 -c 0)
# Emulated hosts of their own, apart from any other user's (tools/netns/netns.sh).
export FCCL_NETNS_PREFIX=fsim-h FCCL_NETNS_BRIDGE=fsim-br0 FCCL_NETNS_NET=10.214.0
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
unset FCCL_TUNER_FILE FCCL_ALGO FCCL_PROTO FCCL_NCHANNELS FCCL_TRANSPORT
export HOME=$out/home  # no ~/.config/fccl/tuner.conf: the real runs price with the defaults
mkdir -p "$HOME"

repeats=${REPEAT:-3}

one_host() {  # n collective repeat
  [ -s "$out/up-n$1-$2.r$3.csv" ] && return
  echo "== measure ($3/$repeats): $2 on one host, $1 ranks"
  timeout 1800 mpirun --oversubscribe --bind-to none -np "$1" "$perf" "$2" "${sweep[@]}" "${timing[@]}" \
    --csv "$out/up-n$1-$2.r$3.csv" >"$out/up-n$1-$2.r$3.txt" 2>&1
}

emulated() {  # name hosts ranks_per_host hosts_per_domain collective repeat
  local name=$1 hosts=$2 per_host=$3 per_domain=$4 coll=$5 r=$6
  [ -s "$out/$name-$coll.r$r.csv" ] && return
  echo "== measure ($r/$repeats): $coll on $hosts emulated host(s) x $per_host, $per_domain host(s) per scale-up domain"
  # shellcheck disable=SC2016  # expanded by each rank's shell
  timeout 1800 scripts/multihost.sh "$hosts" "$per_host" -- sh -c \
    "FCCL_SCALEUP_DOMAIN=rack\$((FCCL_RANK / $((per_host * per_domain)))) exec \"\$0\" \"\$@\"" \
    "$perf" "$coll" "${sweep[@]}" "${timing[@]}" --csv "$out/$name-$coll.r$r.csv" >"$out/$name-$coll.r$r.txt" 2>&1
}

for r in $(seq "$repeats"); do
  for coll in "${collectives[@]}"; do
    for n in 2 3 4 5 8; do one_host "$n" "$coll" "$r"; done
    emulated out-n2 2 1 1 "$coll" "$r"
    emulated out-n4 4 1 1 "$coll" "$r"
    emulated ns-4x2 4 2 2 "$coll" "$r"
  done
done

echo "== calibrate from n = 2 and n = 4"
scaleout=()
for f in "$out"/out-n2-*.csv "$out"/out-n4-*.csv; do scaleout+=(--scaleout "$f"); done
"$sim" calibrate -o "$out/this-machine.json" --tuner-file defaults "$out"/up-n2-*.csv "$out"/up-n4-*.csv \
  "${scaleout[@]}" >"$out/calibrate.txt"
"$sim" calibrate -o "$out/this-machine-4x2.json" --layout topologies/4hosts-2-in-2-domains.json --tuner-file defaults \
  "$out"/up-n2-*.csv "$out"/up-n4-*.csv "${scaleout[@]}" >"$out/calibrate-4x2.txt"

echo "== predict"
for coll in "${collectives[@]}"; do
  for n in 3 5 8; do
    "$sim" "$coll" "${sweep[@]}" --ranks "$n" --topo "$out/this-machine.json" --tuner-file defaults \
      --csv "$out/sim-n$n-$coll.csv" >/dev/null
  done
  "$sim" "$coll" "${sweep[@]}" --ranks 8 --topo "$out/this-machine-4x2.json" --tuner-file defaults \
    --csv "$out/sim-4x2-$coll.csv" >/dev/null
done

pairs=()
for coll in "${collectives[@]}"; do
  for n in 3 5 8; do pairs+=("one host, $n ranks=$out/sim-n$n-$coll.csv=$(ls "$out"/up-n"$n"-"$coll".r*.csv | paste -sd:)"); done
  pairs+=("4 hosts x 2=$out/sim-4x2-$coll.csv=$(ls "$out"/ns-4x2-"$coll".r*.csv | paste -sd:)")
done
python3 benchmarks/sim/accuracy_table.py "${pairs[@]}" | tee "$out/accuracy.md"
benchmarks/plot -o "$out/accuracy.png" "$out"/up-n8-allreduce.r1.csv "$out"/sim-n8-allreduce.csv \
  "$out"/ns-4x2-allreduce.r1.csv "$out"/sim-4x2-allreduce.csv
