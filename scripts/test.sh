#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, runs every test with ctest.
#   scripts/test.sh              every test
#   scripts/test.sh -L unit      a subset by label (unit, integration, fault); any ctest arguments
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
# Open MPI refuses root unless told; tests that launch with mpirun inherit this.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ctest --test-dir "${FCCL_BUILD_DIR:-build}" --output-on-failure --timeout 900 "$@"
