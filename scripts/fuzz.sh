#!/usr/bin/env bash
# Fuzzes what fccl reads from outside: the bootstrap's messages, topology files, the scale-out
# net's handles and wire messages, and what net and device plugins hand back (their structs,
# device counts, properties, fabric ids). Installs clang, builds the libFuzzer targets of
# tests/fuzz (ASan + UBSan) in build-fuzz/, then runs each for SECONDS (default 60) from a seed
# corpus, and exits non-zero when a target finds a crash (its input is left in
# build-fuzz/findings/). Fit for CI: it needs nothing but a Debian 12 machine and root or sudo.
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#     targets: bootstrap_fuzz topology_fuzz net_wire_fuzz plugin_args_fuzz (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
all_targets=(bootstrap_fuzz topology_fuzz net_wire_fuzz plugin_args_fuzz)
seconds=${1:-60}
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]   targets: ${all_targets[*]}" >&2
  exit 2
fi
shift $(($# > 0 ? 1 : 0))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
scripts/install-deps.sh clang libclang-rt-14-dev
build=build-fuzz
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
  -DCMAKE_CXX_COMPILER=clang++ -DFCCL_FUZZ=ON -DFCCL_WERROR=OFF -DFCCL_BUILD_TESTS=OFF \
  -DFCCL_BUILD_BENCHMARKS=OFF -DFCCL_BUILD_EXAMPLES=OFF \
  "-DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
  "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined" >/dev/null
cmake --build "$build" --target "${targets[@]}"
mkdir -p "$build/findings"
failed=0
for t in "${targets[@]}"; do
  corpus="$build/corpus/$t"
  mkdir -p "$corpus"
  [ -d "tests/fuzz/corpus/$t" ] && cp -n tests/fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null || true
  [ "$t" = topology_fuzz ] && cp -n topologies/*.json "$corpus"/ 2>/dev/null || true
  log="$build/findings/$t.log"
  rm -f "$build/findings/$t"-*  # what is left there after this run is this run's finding
  if "$build/tests/fuzz/$t" -max_total_time="$seconds" -artifact_prefix="$build/findings/$t-" \
    -print_final_stats=1 "$corpus" >"$log" 2>&1; then
    echo "fuzz: $t: $(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}') executions in ${seconds}s, no finding"
  else
    echo "fuzz: $t: FINDING (see $log and $build/findings/$t-*)" >&2
    tail -30 "$log" >&2
    failed=1
  fi
done
exit "$failed"
