#!/usr/bin/env bash
# Installs what fccl needs to build, test and benchmark on Debian 12, skipping what is there.
#   scripts/install-deps.sh [PACKAGE...]    and these too (scripts/fuzz.sh adds clang's)
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  catch2 libssl-dev libbenchmark-dev
  libopenmpi-dev openmpi-bin
  libfabric-dev libhwloc-dev nlohmann-json3-dev graphviz libgloo-dev gnuplot-nox libsimgrid-dev libgoogle-perftools-dev
  iproute2 iputils-ping procps
  python3-dev python3-torch libtorch-dev pybind11-dev python3-pytest
  "$@"
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
