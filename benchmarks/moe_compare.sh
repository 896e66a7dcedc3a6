#!/usr/bin/env bash
# fccl's all-to-allv and MoE dispatch/combine next to Open MPI (MPI_Alltoallv, and the same MoE
# exchange built on MPI_Allgather + MPI_Alltoallv), the same data measured in one run, on one
# host and on emulated hosts grouped into scale-up domains; a markdown table of both.
#   benchmarks/moe_compare.sh [local] [4x2]      (default: both)
#   OUT=dir        where moe_compare.md and the raw tables go (default: $FCCL_BUILD_DIR/moe-compare)
#   NRANKS=4       ranks of the one-host run
#   A2A_ARGS, MOE_ARGS   fccl-perf/mpi-perf arguments of the all-to-allv and moe sweeps
#   MPI_YIELD=1    Open MPI yields while it waits (mpi_yield_when_idle; as --oversubscribe sets it
#                  on one host): ranks outnumber cores here, and a rank spinning in MPI starves
#                  the peer it waits for. MPI_YIELD=0 leaves Open MPI's default.
#   REPS=3         runs of each sweep, fccl and MPI taking turns; each size keeps its best run
#                  (on a shared machine, other work only ever slows a run down)
# 4x2: 4 emulated hosts (network namespaces) x 2 ranks, hosts {0,1} one scale-up domain and {2,3}
# another (FCCL_SCALEUP_DOMAIN=rack0/rack1): fccl takes shared memory inside a domain and the
# libfabric net between domains; Open MPI its shared memory inside a host and TCP between hosts.
# Needs root for the namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${FCCL_BUILD_DIR:-build}
out=${OUT:-$build/moe-compare}
nranks=${NRANKS:-4}
layouts=("$@")
[ ${#layouts[@]} -gt 0 ] || layouts=(local 4x2)
read -r -a a2a <<<"${A2A_ARGS:--b 1K -e 16M -f 4 -n 20 -w 5 -c 1}"
read -r -a moe <<<"${MOE_ARGS:--d bfloat16 --hidden 2048 --topk 2 --experts 8 -b 16K -e 16M -f 4 -n 20 -w 5 -c 1}"
mkdir -p "$out"
[ "$(id -u)" -eq 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
yield=()
[ "${MPI_YIELD:-1}" = 1 ] && yield=(--mca mpi_yield_when_idle 1)

reps=${REPS:-3}

# tool layout coll rep args...: one table into $out/<layout>-<coll>-<tool>-<rep>.txt
run() {
  local tool=$1 layout=$2 coll=$3 rep=$4
  shift 4
  local raw="$out/$layout-$coll-$tool-$rep.txt" bin="$build/benchmarks/$tool-perf"
  if [ "$layout" = local ]; then
    timeout 1800 mpirun --oversubscribe --bind-to none -np "$nranks" "$bin" "$coll" "$@" >"$raw" 2>&1 ||
      echo "moe_compare: $tool-perf $coll on $layout failed (see $raw)" >&2
  elif [ "$tool" = fccl ]; then
    # shellcheck disable=SC2016  # expanded by each rank's shell
    FCCL_DEBUG=INFO FCCL_DEBUG_SUBSYS=TUNE KEEP=1 timeout 1800 scripts/multihost.sh 4 2 -- sh -c \
      'FCCL_SCALEUP_DOMAIN=rack$((FCCL_RANK / 4)) exec "$0" "$@"' "$bin" "$coll" "$@" >"$raw" 2>&1 ||
      echo "moe_compare: $tool-perf $coll on $layout failed (see $raw)" >&2
  else
    MPIRUN_ARGS="${yield[*]}" KEEP=1 timeout 1800 scripts/multihost.sh --mpirun 4 2 -- "$bin" "$coll" "$@" >"$raw" 2>&1 ||
      echo "moe_compare: $tool-perf $coll on $layout failed (see $raw)" >&2
  fi
  grep -q "Out of bounds values : 0 OK" "$raw" || echo "moe_compare: $tool-perf $coll on $layout: results not checked OK (see $raw)" >&2
}

# "size time busbw-or-algbw" per line, the best run of each size (least time): columns $3, $4 of
# the perf tables $out/$1-*.txt.
best() {
  cat "$out/$1"-*.txt | awk -v t="$2" -v b="$3" '/^ +[0-9]/ { if (!($1 in time) || $t < time[$1]) { time[$1] = $t; bw[$1] = $b } }
    END { for (s in time) print s, time[s], bw[s] }' | sort -k1,1
}
# Joined fccl and MPI rows: size, fccl time, fccl bw, MPI time, MPI bw, MPI time / fccl time.
table() {
  join <(best "$1-fccl" "$2" "$3") <(best "$1-mpi" "$2" "$3") | sort -n |
    awk '{ printf "| %s | %s | %s | %s | %s | %.2fx |\n", $1, $2, $3, $4, $5, ($2 > 0) ? $4 / $2 : 0 }'
}

md="$out/moe_compare.md"
{
  echo "# fccl vs Open MPI: all-to-allv and MoE dispatch/combine"
  echo
  echo "all-to-allv: \`${a2a[*]}\`, out of place; moe: \`${moe[*]}\`. Time per call (us), bandwidth"
  echo "(GB/s: all-to-allv busbw, moe the rows a rank sends per second); best of $reps runs per size, fccl and"
  echo "MPI taking turns; MPI / fccl = MPI's time over fccl's: above 1, fccl is faster."
  echo "Open MPI: ${yield[*]:-its defaults}. $(nproc) core(s); load before the runs: $(cut -d' ' -f1-3 /proc/loadavg)."
} >"$md"
for layout in "${layouts[@]}"; do
  case $layout in
    local) where="one host, $nranks ranks" ;;
    4x2) where="4 emulated hosts x 2 ranks, 2 scale-up domains of 2 hosts" ;;
    *) echo "moe_compare: unknown layout '$layout' (local, 4x2)" >&2; exit 2 ;;
  esac
  rm -f "$out/$layout"-*.txt
  for rep in $(seq "$reps"); do
    for tool in fccl mpi; do
      run "$tool" "$layout" alltoallv "$rep" "${a2a[@]}"
      run "$tool" "$layout" moe "$rep" "${moe[@]}"
    done
  done
  {
    echo
    echo "## all-to-allv, $where"
    echo
    echo "| bytes per rank | fccl (us) | fccl busbw | MPI_Alltoallv (us) | MPI busbw | MPI / fccl |"
    echo "|---:|---:|---:|---:|---:|---:|"
    table "$layout-alltoallv" 6 8
    for phase in dispatch:6:7 combine:8:9; do
      IFS=: read -r name t b <<<"$phase"
      echo
      echo "## moe $name, $where"
      echo
      echo "| token bytes per rank | fccl (us) | fccl GB/s | MPI (us) | MPI GB/s | MPI / fccl |"
      echo "|---:|---:|---:|---:|---:|---:|"
      table "$layout-moe" "$t" "$b"
    done
  } >>"$md"
  [ "$layout" = 4x2 ] && tools/netns/netns.sh down
done
cat "$md"
