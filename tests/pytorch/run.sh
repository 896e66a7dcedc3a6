#!/usr/bin/env bash
# The torch.distributed backend's test suite: builds fccl_torch against BUILD_DIR where needed
# (bindings/pytorch/build.sh), then runs the pytest files here, which compare every operation
# with gloo on 2 and 4 ranks and train DDP over both.
#   tests/pytorch/run.sh BUILD_DIR [pytest arguments, e.g. -k allreduce or -x]
# Exits 77 (skipped) where no python3 imports torch, and for a sanitizer build (python cannot
# load a libfccl.so built with a sanitizer runtime it did not start with).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(realpath "${1:?usage: tests/pytorch/run.sh BUILD_DIR [pytest arguments]}")
shift

if grep -q '^FCCL_SANITIZE:STRING=.' "$build/CMakeCache.txt" 2>/dev/null; then
  echo "pytorch tests: skipped, $build is a sanitizer build"
  exit 77
fi

status=0
package_dir=$("$root/bindings/pytorch/build.sh" "$build") || status=$?
if [ "$status" -eq 77 ]; then
  echo "pytorch tests: skipped, torch is not installed"
  exit 77
fi
[ "$status" -eq 0 ] || exit "$status"

python=$(sed -n 's/^Python3_EXECUTABLE:[A-Z]*=//p' "$package_dir/CMakeCache.txt")
if ! "$python" -c "import pytest" 2>/dev/null; then
  echo "pytorch tests: $python has no pytest (scripts/install-deps.sh python3-pytest)" >&2
  exit 1
fi
export PYTHONPATH="$package_dir${PYTHONPATH:+:$PYTHONPATH}"
export OMP_NUM_THREADS=1  # up to 4 ranks of 2 groups each share the cores
cd "$root/tests/pytorch"
exec "$python" -m pytest -p no:cacheprovider -q "$@"
