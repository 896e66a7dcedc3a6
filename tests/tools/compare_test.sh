#!/usr/bin/env bash
# benchmarks/compare.sh on 2 ranks with a short sweep: fccl-perf (plain and fcclMemAlloc buffers), mpi-perf and gloo-perf each run
# and check every collective they have, the markdown table has a row per size for each, and the
# plot is written where gnuplot is installed.
#   tests/tools/compare_test.sh BUILD_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail() {
  echo "compare_test: FAIL: $*" >&2
  exit 1
}
FCCL_BUILD_DIR=$build OUT=$out COLLS="allreduce allgather alltoall" \
  "$root/benchmarks/compare.sh" 2 -b 8 -e 64K -f 64 -c 1 -n 2 -w 1 >/dev/null
for coll in allreduce allgather alltoall; do
  for tool in fccl fccl-reg mpi gloo; do
    [ -x "$build/benchmarks/${tool%-reg}-perf" ] || { echo "compare_test: no $tool-perf, skipped"; continue; }
    grep -q "Out of bounds values : 0 OK" "$out/$coll-$tool.txt" || fail "$tool-perf $coll: $(cat "$out/$coll-$tool.txt")"
  done
  rows=$(awk -v c="## $coll" '$0 == c { on = 1; next } /^## / { on = 0 } on && /^\| [0-9]/' "$out/compare.md" | wc -l)
  [ "$rows" = 3 ] || fail "$coll: $rows table rows, want 3 (8 B, 512 B, 32 KiB): $(cat "$out/compare.md")"
done
if command -v gnuplot >/dev/null; then
  [ "$(head -c 4 "$out/compare.png" | od -An -tx1 | tr -d ' ')" = 89504e47 ] || fail "no PNG plot"
fi
echo "compare_test: PASS"
