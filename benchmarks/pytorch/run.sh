#!/usr/bin/env bash
# torch.distributed over fccl next to gloo (bench.py): builds fccl_torch against BUILD_DIR where
# needed, then runs the all-reduce sweep (1 KiB .. 64 MiB) and the DDP step on 2 and 4 ranks.
#   benchmarks/pytorch/run.sh BUILD_DIR [bench.py arguments, e.g. --ranks 4 --max-size 16M]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(realpath "${1:?usage: benchmarks/pytorch/run.sh BUILD_DIR [bench.py arguments]}")
shift
package_dir=$("$root/bindings/pytorch/build.sh" "$build")
python=$(sed -n 's/^Python3_EXECUTABLE:[A-Z]*=//p' "$package_dir/CMakeCache.txt")
export PYTHONPATH="$package_dir${PYTHONPATH:+:$PYTHONPATH}"
exec "$python" "$root/benchmarks/pytorch/bench.py" "$@"
