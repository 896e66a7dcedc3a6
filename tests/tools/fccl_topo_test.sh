#!/usr/bin/env bash
# fccl-topo on every shipped topology: the text names the ranks, hosts and domains and shows the
# ring; the JSON has a hop for every pair; the dot has a cluster per domain and host and an edge
# per ring hop; --png writes a PNG (Graphviz); a bad file is an error naming it; without a file it
# describes this host.
#   tests/tools/fccl_topo_test.sh FCCL_TOPO_BINARY TOPOLOGIES_DIR
set -euo pipefail
topo=$1 dir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "fccl_topo_test: FAIL: $*" >&2
  exit 1
}

check() {  # file ranks hosts domains crossings
  local file=$1 ranks=$2 hosts=$3 domains=$4 crossings=$5 out
  out=$("$topo" --file "$dir/$file")
  grep -q ": $ranks rank(s) on $hosts host(s) in $domains scale-up domain(s)$" <<<"$out" || fail "$file: header: $out"
  grep -q "^ring order: .* ($crossings scale-up domain crossing(s))$" <<<"$out" || fail "$file: ring: $out"
  [ "$(grep -cE '^ +[0-9]+ [.UO]+$' <<<"$out")" = "$ranks" ] || fail "$file: not $ranks matrix rows"
  out=$("$topo" --file "$dir/$file" --json)
  [ "$(grep -c '"fabric": "scale-' <<<"$out")" = $((ranks * (ranks - 1))) ] || fail "$file: JSON hops"
  out=$("$topo" --file "$dir/$file" --dot)
  [ "$(grep -c 'subgraph cluster_' <<<"$out")" = $((hosts + domains)) ] || fail "$file: dot clusters"
  [ "$(grep -c ' -> r' <<<"$out")" = "$ranks" ] || fail "$file: dot ring edges"
  [ "$(grep -c 'color=red' <<<"$out")" = "$crossings" ] || fail "$file: dot scale-out ring edges"
  echo "fccl-topo $file: $ranks ranks, $hosts hosts, $domains domain(s), $crossings crossing(s): ok"
}

check 1host-8.json 8 1 1 0
check 2hosts-4-separate.json 8 2 2 2
check 4hosts-2-in-2-domains.json 8 4 2 2
check trainium-16.json 16 1 1 0
check nvl72.json 72 18 1 0
check two-rack.json 144 36 2 2

if command -v dot >/dev/null; then
  "$topo" --file "$dir/4hosts-2-in-2-domains.json" --png "$tmp/t.png" >/dev/null || fail "--png failed"
  [ "$(head -c 4 "$tmp/t.png" | od -An -tx1 | tr -d ' ')" = 89504e47 ] || fail "--png did not write a PNG"
  echo "fccl-topo --png: ok"
fi

echo '{"hosts": [{"name": "a", "ranks": 0}]}' >"$tmp/bad.json"
if out=$("$topo" --file "$tmp/bad.json" 2>&1); then fail "a bad file was accepted: $out"; fi
grep -q "bad.json: hosts\[0\].ranks" <<<"$out" || fail "bad file message: $out"

out=$("$topo" --ranks 3)
grep -q "^topology: this host (detected): 3 rank(s) on 1 host(s) in 1 scale-up domain(s)$" <<<"$out" ||
  fail "detected: $out"
grep -q "^hardware: " <<<"$out" || fail "detected: no hardware line: $out"
echo "fccl_topo_test: PASS"
