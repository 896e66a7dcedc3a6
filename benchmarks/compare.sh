#!/usr/bin/env bash
# fccl next to Open MPI and Gloo on one host, in one go: the same sweep (fccl-perf, mpi-perf,
# gloo-perf) per collective, then a markdown table of out-of-place busbw per size with fccl's
# ratio to the best peer, and a PNG plot of busbw against size per collective (gnuplot). fccl runs
# twice: on plain memory, and on fcclMemAlloc buffers registered with the communicator (-R 1,
# what an application that allocates through fccl gets: zero copy on the multicast object).
#   benchmarks/compare.sh [NRANKS] [fccl-perf args...]      (default: 4 ranks, -b 8 -e 64M -f 4)
#   OUT=dir   where compare.md, compare.png and the raw tables go (default: build/compare)
#   COLLS="allreduce allgather reducescatter alltoall"
#   LAT_ROUNDS=5 LAT_ITERS=20000   the 8-byte all-reduce latency rounds (fccl and Open MPI in turn)
# Open MPI runs with its defaults (shared memory between the ranks of one host); Gloo over TCP
# on loopback (it has no shared-memory transport) and only for the collectives it has.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${FCCL_BUILD_DIR:-build}
nranks=${1:-4}
shift $(($# > 0 ? 1 : 0))
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(-b 8 -e 64M -f 4 -c 1 -n 20 -w 3)
out=${OUT:-$build/compare}
colls=${COLLS:-allreduce allgather reducescatter alltoall}
mkdir -p "$out"
[ "$(id -u)" -eq 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpirun=(mpirun --oversubscribe --bind-to none -np "$nranks")

# The out-of-place busbw column of a perf table: "size busbw" per line.
busbw() { awk '/^ +[0-9]/ { print $1, $8 }' "$1"; }

md="$out/compare.md"
{
  echo "# fccl vs Open MPI vs Gloo, $nranks ranks on one host"
  echo
  echo "Out-of-place busbw in GB/s; \`${args[*]}\`; ratio = fccl / best peer."
} >"$md"
plots=()
tools="fccl fccl-reg mpi gloo"
for coll in $colls; do
  for tool in $tools; do
    bin="$build/benchmarks/${tool%-reg}-perf"
    extra=()
    [ "$tool" = fccl-reg ] && extra=(-R 1)
    raw="$out/$coll-$tool.txt"
    : >"$raw"
    [ -x "$bin" ] || continue
    timeout 900 "${mpirun[@]}" "$bin" "$coll" "${args[@]}" "${extra[@]}" >"$raw" 2>&1 ||
      echo "compare: $tool-perf $coll failed (see $raw)" >&2
  done
  {
    echo
    echo "## $coll"
    echo
    echo "| bytes | fccl | fccl, fcclMemAlloc | Open MPI | Gloo | fccl / best peer | fccl, fcclMemAlloc / best peer |"
    echo "|---:|---:|---:|---:|---:|---:|---:|"
    join -a1 -e - -o 0,1.2,2.2 <(busbw "$out/$coll-fccl.txt" | sort -k1,1) <(busbw "$out/$coll-fccl-reg.txt" | sort -k1,1) |
      join -a1 -e - -o 0,1.2,1.3,2.2 - <(busbw "$out/$coll-mpi.txt" | sort -k1,1) |
      join -a1 -e - -o 0,1.2,1.3,1.4,2.2 - <(busbw "$out/$coll-gloo.txt" | sort -k1,1) | sort -n |
      awk 'function ratio(x) { return (best > 0 && x != "-") ? sprintf("%.2fx", x / best) : "-" }
           { best = 0; if ($4 != "-" && $4 > best) best = $4; if ($5 != "-" && $5 > best) best = $5;
             printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, ratio($2), ratio($3) }'
  } >>"$md"
  plots+=("$coll")
done

# Latency: a sweep's few calls per size are too few for 8 bytes, where one slow call weighs.
# LAT_ROUNDS rounds of LAT_ITERS 8-byte all-reduces, fccl and Open MPI taking turns, so that a
# noisy neighbour slows both alike; the median of each.
lat_rounds=${LAT_ROUNDS:-5}
lat_iters=${LAT_ITERS:-20000}
latency() {  # tool [args]: the out-of-place time (us) of one round
  "${mpirun[@]}" "$build/benchmarks/$1-perf" allreduce -b 8 -e 8 -n "$lat_iters" -w 1000 -c 0 "${@:2}" 2>/dev/null |
    awk '$1 == 8 { print $6 }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2); else print "-" }'; }
if [ -x "$build/benchmarks/mpi-perf" ]; then
  : >"$out/latency-fccl.txt"
  : >"$out/latency-mpi.txt"
  for _ in $(seq "$lat_rounds"); do
    latency fccl >>"$out/latency-fccl.txt" || true
    latency mpi >>"$out/latency-mpi.txt" || true
  done
  fccl_lat=$(median <"$out/latency-fccl.txt")
  mpi_lat=$(median <"$out/latency-mpi.txt")
  {
    echo
    echo "## 8-byte all-reduce latency"
    echo
    echo "Median of $lat_rounds rounds of $lat_iters calls each, fccl and Open MPI taking turns (us, out of place)."
    echo
    echo "| fccl | Open MPI | fccl / Open MPI |"
    echo "|---:|---:|---:|"
    awk -v f="$fccl_lat" -v m="$mpi_lat" 'BEGIN { printf "| %s | %s | %s |\n", f, m, (m > 0 && f != "-") ? sprintf("%.2fx", f / m) : "-" }'
    echo
    echo "Rounds: fccl $(paste -sd' ' "$out/latency-fccl.txt"); Open MPI $(paste -sd' ' "$out/latency-mpi.txt")."
  } >>"$md"
fi
echo "compare: table in $md"

if command -v gnuplot >/dev/null; then
  script="$out/compare.gp"
  {
    echo "set terminal pngcairo size 1200,$((400 * ((${#plots[@]} + 1) / 2))) noenhanced"
    echo "set output '$out/compare.png'"
    echo "set multiplot layout $(((${#plots[@]} + 1) / 2)),2"
    echo "set logscale x 2; set xlabel 'bytes'; set ylabel 'busbw (GB/s)'; set key left top; set grid"
    for coll in "${plots[@]}"; do
      echo "set title '$coll, $nranks ranks'"
      line="plot"
      for tool in $tools; do
        data="$out/$coll-$tool.dat"
        busbw "$out/$coll-$tool.txt" | awk '$1 > 0' >"$data"
        [ -s "$data" ] && line+=" '$data' using 1:2 with linespoints title '$tool',"
      done
      echo "${line%,}"
    done
    echo "unset multiplot"
  } >"$script"
  if gnuplot "$script" 2>/dev/null || { sed -i 's/pngcairo/png/' "$script" && gnuplot "$script"; }; then
    echo "compare: plot in $out/compare.png"
  else
    echo "compare: gnuplot failed; the table is still in $md" >&2
  fi
else
  echo "compare: no gnuplot (scripts/install-deps.sh installs gnuplot-nox); no plot" >&2
fi
