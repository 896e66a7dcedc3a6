#!/usr/bin/env bash
# Builds the torch.distributed backend (fccl_torch) against an fccl build tree, building that
# tree's libfccl.so first if it is missing, and prints the directory to put on PYTHONPATH.
#   bindings/pytorch/build.sh [FCCL_BUILD_DIR]        (default: $FCCL_BUILD_DIR or build)
#   PYTHON=...   the interpreter whose torch to build for (default: the first python3 that
#                imports torch, then /usr/bin/python3, where Debian's python3-torch lives)
#   JOBS=N       parallel compile jobs (default 2: each torch translation unit needs ~1 GB)
# Exits 77 when no interpreter can import torch (a machine without torch skips, not fails).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=$(realpath -m "${1:-${FCCL_BUILD_DIR:-$root/build}}")

if [ -z "${PYTHON:-}" ]; then
  for candidate in python3 /usr/bin/python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c "import torch" 2>/dev/null; then
      PYTHON=$(command -v "$candidate")
      break
    fi
  done
fi
if [ -z "${PYTHON:-}" ] || ! "$PYTHON" -c "import torch" 2>/dev/null; then
  echo "fccl_torch: no python3 here imports torch (scripts/install-deps.sh python3-torch libtorch-dev pybind11-dev)" >&2
  exit 77
fi

if [ ! -f "$build_dir/libfccl.so" ]; then
  generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  [ -f "$build_dir/CMakeCache.txt" ] || cmake -S "$root" -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release >&2
  nice -n 10 cmake --build "$build_dir" --target fccl -j "${JOBS:-2}" >&2
fi

out=$build_dir/pytorch
if [ ! -f "$out/CMakeCache.txt" ]; then
  generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  cmake -S "$root/bindings/pytorch" -B "$out" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DFCCL_BUILD_DIR="$build_dir" -DPython3_EXECUTABLE="$PYTHON" >&2
fi
nice -n 10 cmake --build "$out" -j "${JOBS:-2}" >&2
echo "$out"
