#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, runs every test with ctest.
#   scripts/test.sh              every test
#   scripts/test.sh -L unit      a subset by label (unit, integration, fault); any ctest arguments
#   scripts/test.sh --sanitize address|undefined|thread|address,undefined [ctest arguments]
#                                the same under sanitizers, built (RelWithDebInfo) into its own
#                                build-asan, build-ubsan, build-tsan or build-asan-ubsan; a finding
#                                prints its stack and fails the test (tests/sanitizers/ has the
#                                suppressions for third-party libraries)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

sanitize=""
case "${1:-}" in
  --sanitize) sanitize=${2:?--sanitize needs address, undefined, thread or address,undefined}; shift 2 ;;
  --sanitize=*) sanitize=${1#--sanitize=}; shift ;;
esac

scripts/install-deps.sh
if [ -z "$sanitize" ]; then
  build_dir=${FCCL_BUILD_DIR:-build}
  scripts/build.sh
else
  case "$sanitize" in
    address) build_dir=build-asan ;;
    undefined) build_dir=build-ubsan ;;
    thread) build_dir=build-tsan ;;
    address,undefined | undefined,address) sanitize=address,undefined; build_dir=build-asan-ubsan ;;
    *) echo "test.sh: --sanitize takes address, undefined, thread or address,undefined" >&2; exit 2 ;;
  esac
  FCCL_BUILD_DIR=$build_dir scripts/build.sh -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFCCL_SANITIZE="$sanitize"
  # Defaults first: a caller's own *SAN_OPTIONS come later and win. Every finding ends the process
  # with an error (a forked rank leaves through _exit, so a report deferred to exit would be lost)
  # and prints a symbolised stack. Children of the tests (forked ranks, mpirun) inherit these.
  supp=$root/tests/sanitizers
  common=halt_on_error=1:abort_on_error=1:print_stacktrace=1
  export ASAN_OPTIONS=$common:detect_leaks=1:${ASAN_OPTIONS:-}
  export LSAN_OPTIONS=suppressions=$supp/lsan.supp:print_suppressions=0:${LSAN_OPTIONS:-}
  export UBSAN_OPTIONS=$common:suppressions=$supp/ubsan.supp:${UBSAN_OPTIONS:-}
  # TSan runs every instruction several times slower: the fault tests stretch the slack they
  # allow on top of fccl's promises (an abort within 1 s, an error within the timeout + 2 s).
  if [ "$sanitize" = thread ]; then export FCCL_TEST_SLOWDOWN=10; fi
  # TSan: the test harness forks ranks from a process whose bootstrap root thread runs, and a rank
  # then starts threads of its own; TSan refuses that unless told (fccl takes its fork guard
  # around fork, lib/bootstrap/root_registry.cc). It exits with its own code rather than abort:
  # an abort would run Catch's signal handler, which allocates inside TSan's report and hangs.
  export TSAN_OPTIONS=halt_on_error=1:abort_on_error=0:print_stacktrace=1:die_after_fork=0:second_deadlock_stack=1:suppressions=$supp/tsan.supp:${TSAN_OPTIONS:-}
fi
# Open MPI refuses root unless told; tests that launch with mpirun inherit this.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ctest --test-dir "$build_dir" --output-on-failure --timeout 900 "$@"
