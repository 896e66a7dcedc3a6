#!/usr/bin/env bash
# Installs the built fccl into a scratch prefix, builds a consumer with find_package(fccl) and
# runs it: proves `cmake --install` ships the library, headers and the fccl::fccl package.
set -euo pipefail
build_dir=$1
source_dir=$(cd "$(dirname "$0")" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cmake --install "$build_dir" --prefix "$scratch/prefix" >/dev/null
test -f "$scratch/prefix/include/fccl/fccl.h"
# A sanitizer build's library needs its runtime loaded first: the consumer is built with it too.
sanitize=$(sed -n 's/^FCCL_SANITIZE:STRING=//p' "$build_dir/CMakeCache.txt")
flags=()
[ -z "$sanitize" ] || flags=(-DCMAKE_C_FLAGS=-fsanitize="$sanitize" -DCMAKE_CXX_FLAGS=-fsanitize="$sanitize"
  -DCMAKE_EXE_LINKER_FLAGS=-fsanitize="$sanitize")
cmake -S "$source_dir/consumer" -B "$scratch/consumer" -DCMAKE_PREFIX_PATH="$scratch/prefix" "${flags[@]}" >/dev/null
cmake --build "$scratch/consumer" >/dev/null
LD_LIBRARY_PATH="$scratch/prefix/lib:$scratch/prefix/lib64:$scratch/prefix/lib/x86_64-linux-gnu" "$scratch/consumer/consumer"
