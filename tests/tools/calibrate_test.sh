#!/usr/bin/env bash
# fccl-perf --calibrate on 2 ranks writes a tuner file that every figure of has a value, that a
# communicator loads (FCCL_TUNER_FILE) and runs checked collectives with; a malformed file fails
# init naming the file and the line; one rank alone is refused.
#   tests/tools/calibrate_test.sh BUILD_DIR
set -euo pipefail
build=$1
perf=$build/benchmarks/fccl-perf
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail() {
  echo "calibrate_test: FAIL: $*" >&2
  exit 1
}
mpirun --oversubscribe --bind-to none -np 2 "$perf" --calibrate "$out/tuner.conf" >"$out/log" 2>&1 ||
  fail "calibration failed: $(cat "$out/log")"
for key in scaleup.ll.latency_us scaleup.ll.gbps scaleup.simple.latency_us scaleup.simple.gbps scaleup.channel_gbps \
  scaleout.latency_us scaleout.gbps scaleout.channel_gbps scaleout.message_bytes reduce.gbps copy.gbps multicast.latency_us multicast.gbps; do
  grep -Eq "^$key [0-9.e+-]+$" "$out/tuner.conf" || fail "no $key in $(cat "$out/tuner.conf")"
done
FCCL_TUNER_FILE=$out/tuner.conf FCCL_DEBUG=INFO FCCL_DEBUG_SUBSYS=TUNE mpirun --oversubscribe --bind-to none -np 3 \
  -x FCCL_TUNER_FILE -x FCCL_DEBUG -x FCCL_DEBUG_SUBSYS "$perf" allreduce -b 8 -e 1M -f 32 -n 2 -w 1 -c 1 >"$out/run" 2>&1 ||
  fail "a sweep with the calibrated figures failed: $(cat "$out/run")"
grep -q "Out of bounds values : 0 OK" "$out/run" || fail "wrong results: $(cat "$out/run")"
grep -q "figures $out/tuner.conf" "$out/run" || fail "rank 0 did not use the file: $(cat "$out/run")"
grep -q "figures rank 0's $out/tuner.conf" "$out/run" || fail "the other ranks did not take rank 0's figures"
printf 'reduce.gbps 3\nbogus.key 4\n' >"$out/bad.conf"
if FCCL_TUNER_FILE=$out/bad.conf mpirun --oversubscribe --bind-to none -np 2 -x FCCL_TUNER_FILE "$perf" allreduce \
  -b 8 -e 8 -n 1 -w 0 >"$out/bad" 2>&1; then
  fail "a malformed tuner file was accepted"
fi
grep -q "bad.conf:2: unknown key 'bogus.key'" "$out/bad" || fail "the error does not name the file and line: $(cat "$out/bad")"
if "$perf" --calibrate "$out/alone.conf" >"$out/alone" 2>&1; then fail "one rank calibrated"; fi
grep -q "needs at least 2 ranks" "$out/alone" || fail "one rank: $(cat "$out/alone")"
echo "calibrate_test: PASS"
