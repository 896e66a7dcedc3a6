#!/usr/bin/env bash
# Emulated hosts: two network namespaces from tools/netns/netns.sh, each with its own address,
# reaching each other over the bridge; mpirun through tools/netns/rsh-agent.sh puts 2 ranks in
# each (and, given the build directory, runs an MPI all-reduce between them over TCP);
# scripts/multihost.sh launches by environment and passes a rank's failure on. Leaves no
# namespace, veth or bridge behind. Exits 77 (ctest: skipped) where namespaces cannot be made.
#   tests/netns/netns_test.sh [BUILD_DIR]
#
# It uses its own layout (fccl-t<i>, fccl-tbr0, 10.213.7.0/24) so that it never touches hosts
# someone brought up with the defaults.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=${1:-}
netns="$root/tools/netns/netns.sh"
agent="$root/tools/netns/rsh-agent.sh"
export FCCL_NETNS_PREFIX=fccl-t FCCL_NETNS_BRIDGE=fccl-tbr0 FCCL_NETNS_NET=10.213.7
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

fail() {
  echo "netns_test: FAIL: $*" >&2
  exit 1
}
step() { echo "netns_test: $*"; }

if ! why=$("$netns" check 2>&1); then
  echo "netns_test: SKIP: $why"
  exit 77
fi
command -v mpirun >/dev/null || fail "no mpirun (scripts/install-deps.sh)"
command -v ping >/dev/null || fail "no ping (iputils-ping; scripts/install-deps.sh)"

leftovers() {
  ip netns list | awk '{print $1}' | grep -x "${FCCL_NETNS_PREFIX}[0-9]\+" || true
  ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -x "${FCCL_NETNS_PREFIX}[0-9]\+\|$FCCL_NETNS_BRIDGE" || true
}
trap '"$netns" down' EXIT
"$netns" down  # what an earlier, killed run may have left

step "up 2"
"$netns" up 2
[ "$("$netns" hosts)" = $'fccl-t0 10.213.7.1\nfccl-t1 10.213.7.2' ] || fail "hosts: $("$netns" hosts)"

step "each host has its own namespace and address"
for h in 0 1; do
  addr=$("$netns" run "$h" -- ip -4 -o addr show dev eth0 | awk '{print $4}')
  [ "$addr" = "10.213.7.$((h + 1))/24" ] || fail "host $h: eth0 has '$addr'"
  ns[h]=$("$netns" run "$h" -- readlink /proc/self/ns/net)
  name=$("$netns" run "$h" -- hostname)
  [ "$name" = "fccl-t$h" ] || fail "host $h: hostname '$name'"
done
[ "${ns[0]}" != "${ns[1]}" ] || fail "both hosts are in ${ns[0]}"
[ "${ns[0]}" != "$(readlink /proc/self/ns/net)" ] || fail "host 0 is the root namespace"
[ "$("$netns" run 10.213.7.2 -- ip netns identify)" = fccl-t1 ] || fail "run by address did not enter fccl-t1"

step "the hosts reach each other"
"$netns" run 0 -- ping -c 1 -W 2 10.213.7.2 >/dev/null || fail "fccl-t0 cannot ping 10.213.7.2"
"$netns" run 1 -- ping -c 1 -W 2 10.213.7.1 >/dev/null || fail "fccl-t1 cannot ping 10.213.7.1"

# shellcheck disable=SC2054  # the commas are in --host
mpirun=(timeout 30 mpirun -mca plm_rsh_agent "$agent" -mca oob_tcp_if_include 10.213.7.0/24
  -mca btl_tcp_if_include 10.213.7.0/24 --bind-to none --host 10.213.7.1:2,10.213.7.2:2 -np 4)

step "mpirun: 2 hosts x 2 ranks through the rsh agent"
# shellcheck disable=SC2016  # expanded by each rank's shell
out=$("${mpirun[@]}" sh -c 'echo "rank $OMPI_COMM_WORLD_RANK netns $(ip netns identify $$) host $(hostname)"' | sort)
echo "$out"
expected=$'rank 0 netns fccl-t0 host fccl-t0\nrank 1 netns fccl-t0 host fccl-t0\nrank 2 netns fccl-t1 host fccl-t1\nrank 3 netns fccl-t1 host fccl-t1'
[ "$out" = "$expected" ] || fail "ranks are not where expected"

if [ -n "$build_dir" ] && [ -x "$build_dir/benchmarks/mpi-perf" ]; then
  step "mpirun: MPI all-reduce across the hosts (TCP between namespaces, checked)"
  out=$("${mpirun[@]}" "$build_dir/benchmarks/mpi-perf" allreduce -b 8 -e 4K -f 8 -n 2 -w 1 -c 1)
  echo "$out" | grep -E "Rank +[0-9]|Out of bounds"
  grep -q "Out of bounds values : 0 OK" <<<"$out" || fail "mpi-perf across hosts: $out"
  [ "$(echo "$out" | grep -c "Rank .* on  *fccl-t0")" = 2 ] || fail "mpi-perf: not 2 ranks on fccl-t0"
fi

if [ -n "$build_dir" ] && [ -x "$build_dir/benchmarks/fccl-perf" ]; then
  # 2 hosts x 2 ranks: the ring has scale-up hops inside a host and scale-out hops between them.
  step "fccl across the hosts: per-hop transports, every collective checked"
  for coll in allreduce allgather alltoall broadcast; do
    out=$(FCCL_DEBUG=INFO FCCL_DEBUG_SUBSYS=INIT KEEP=1 timeout 60 "$root/scripts/multihost.sh" 2 2 -- \
      "$build_dir/benchmarks/fccl-perf" "$coll" -b 8 -e 1M -f 16 -n 2 -w 1 -c 1 2>&1) || fail "fccl-perf $coll across hosts: $out"
    grep -q "via shm" <<<"$out" || fail "fccl-perf $coll: no scale-up hop inside a host: $out"
    grep -q "via ofi:" <<<"$out" || fail "fccl-perf $coll: no scale-out hop between hosts: $out"
    grep -q "Out of bounds values : 0 OK" <<<"$out" || fail "fccl-perf $coll across hosts: $out"
    echo "fccl-perf $coll: checked, $(grep -c "via shm" <<<"$out") scale-up and $(grep -c "via ofi:" <<<"$out") scale-out hop(s)"
  done
fi

if [ -n "$build_dir" ] && [ -x "$build_dir/benchmarks/fccl-perf" ]; then
  # Every hop through the libfabric net, ranks of one host included: 2 and 4 hosts, 1 and 2
  # ranks each, every collective at sizes from one element to several chunks, results checked.
  step "fccl through the scale-out net only: 2 and 4 hosts x 1 and 2 ranks, every collective checked"
  for layout in "2 1" "2 2" "4 1" "4 2"; do
    read -r hosts per_host <<<"$layout"
    for coll in allreduce allgather reducescatter broadcast reduce alltoall alltoallv sendrecv; do
      out=$(FCCL_TRANSPORT=scaleout FCCL_DEBUG=INFO FCCL_DEBUG_SUBSYS=INIT KEEP=1 timeout 60 \
        "$root/scripts/multihost.sh" "$hosts" "$per_host" -- \
        "$build_dir/benchmarks/fccl-perf" "$coll" -b 4 -e 1200K -f 17 -n 2 -w 1 -c 1 2>&1) ||
        fail "fccl-perf $coll on $hosts x $per_host over scale-out: $out"
      grep -q "via shm" <<<"$out" && fail "fccl-perf $coll on $hosts x $per_host: a hop took shm: $out"
      grep -q "via ofi:" <<<"$out" || fail "fccl-perf $coll on $hosts x $per_host: no scale-out hop: $out"
      grep -q "Out of bounds values : 0 OK" <<<"$out" || fail "fccl-perf $coll on $hosts x $per_host: $out"
    done
    echo "$hosts hosts x $per_host rank(s), scale-out only: every collective checked"
  done
fi

if [ -n "$build_dir" ] && [ -x "$build_dir/benchmarks/fccl-perf" ]; then
  # 4 hosts x 2 ranks, hosts {0,1} one scale-up domain and {2,3} another (FCCL_SCALEUP_DOMAIN):
  # hops inside a domain take shared memory even between namespaces (one kernel), hops between
  # domains the libfabric net; the ring (FCCL_ALGO=ring: small all-reduces would otherwise take
  # recursive doubling, whose partners cross domains) keeps each domain together.
  step "fccl on 4 hosts x 2 ranks in 2 scale-up domains: per-hop fabric, ring order, results checked"
  for coll in allreduce allgather reducescatter broadcast; do
    # shellcheck disable=SC2016  # expanded by each rank's shell
    out=$(FCCL_ALGO=ring FCCL_DEBUG=INFO FCCL_DEBUG_SUBSYS=INIT KEEP=1 timeout 60 "$root/scripts/multihost.sh" 4 2 -- sh -c \
      'FCCL_SCALEUP_DOMAIN=rack$((FCCL_RANK / 4)) exec "$0" "$@"' "$build_dir/benchmarks/fccl-perf" "$coll" \
      -b 8 -e 1M -f 32 -n 2 -w 1 -c 1 2>&1) || fail "fccl-perf $coll in 2 domains: $out"
    grep -q "Out of bounds values : 0 OK" <<<"$out" || fail "fccl-perf $coll in 2 domains: $out"
    [ "$(grep -c "ring order 0 1 2 3 4 5 6 7 (2 scale-up domain crossing(s))" <<<"$out")" = 8 ] ||
      fail "fccl-perf $coll: not every rank has the ring 0..7 with 2 domain crossings: $out"
    grep -q "via shm (scale-up: rank [0-9] is on host fccl-t[0-9] in this rank's scale-up domain" <<<"$out" ||
      fail "fccl-perf $coll: no scale-up hop between the hosts of a domain: $out"
    grep -q "via ofi:.*outside this rank's scale-up domain (FCCL_SCALEUP_DOMAIN=rack" <<<"$out" ||
      fail "fccl-perf $coll: no scale-out hop between the domains: $out"
    # In the ring 0..7 the only hops between domains are 3 -> 4 and 7 -> 0.
    crossing=$(grep -o "rank [0-9] -> rank [0-9] via ofi:" <<<"$out" | sort -u | sed 's/ via ofi://' | tr '\n' ';')
    [ "$crossing" = "rank 3 -> rank 4;rank 7 -> rank 0;" ] || fail "fccl-perf $coll: scale-out hops are $crossing"
    # The traffic counters agree: only ranks 3 and 7 send over scale-out.
    for r in 0 1 2 3 4 5 6 7; do
      line=$(grep "rank $r traffic: " <<<"$out" | head -1)
      out_bytes=$(sed -n 's/.* over scale-up, \([0-9]*\) over scale-out$/\1/p' <<<"$line")
      [ -n "$out_bytes" ] || fail "fccl-perf $coll: no traffic line for rank $r: $out"
      if [ "$r" = 3 ] || [ "$r" = 7 ]; then
        [ "$out_bytes" -gt 0 ] || fail "fccl-perf $coll: rank $r sent nothing over scale-out: $line"
      else
        [ "$out_bytes" = 0 ] || fail "fccl-perf $coll: rank $r sent over scale-out: $line"
      fi
    done
  done
  echo "4 hosts x 2 ranks, 2 domains: scale-up within a domain across hosts, scale-out only for 3 -> 4 and 7 -> 0"
  # The hierarchical all-reduce (and fccl-perf's own all-gather, hierarchical too) on that
  # layout: the rails (i <-> i + 4) are the only scale-out hops.
  # shellcheck disable=SC2016  # expanded by each rank's shell
  out=$(FCCL_ALGO=hier FCCL_DEBUG=INFO FCCL_DEBUG_SUBSYS=INIT KEEP=1 timeout 60 "$root/scripts/multihost.sh" 4 2 -- sh -c \
    'FCCL_SCALEUP_DOMAIN=rack$((FCCL_RANK / 4)) exec "$0" "$@"' "$build_dir/benchmarks/fccl-perf" allreduce \
    -b 8 -e 4M -f 8 -n 2 -w 1 -c 1 2>&1) || fail "fccl-perf allreduce, FCCL_ALGO=hier, in 2 domains: $out"
  grep -q "Out of bounds values : 0 OK" <<<"$out" || fail "fccl-perf allreduce, FCCL_ALGO=hier: $out"
  crossing=$(grep -o "rank [0-9] -> rank [0-9] via ofi:" <<<"$out" | sort -u | sed 's/ via ofi://' | tr '\n' ';')
  expected="rank 0 -> rank 4;rank 1 -> rank 5;rank 2 -> rank 6;rank 3 -> rank 7;"
  expected+="rank 4 -> rank 0;rank 5 -> rank 1;rank 6 -> rank 2;rank 7 -> rank 3;"
  [ "$crossing" = "$expected" ] || fail "FCCL_ALGO=hier: scale-out hops are $crossing"
  for r in 0 1 2 3 4 5 6 7; do  # every rank carries its rail's share, over both fabrics
    line=$(grep "rank $r traffic: " <<<"$out" | head -1)
    grep -qE "traffic: [1-9][0-9]* bytes sent over scale-up, [1-9][0-9]* over scale-out$" <<<"$line" ||
      fail "FCCL_ALGO=hier: rank $r traffic: $line"
  done
  echo "hierarchical all-reduce on 4 hosts x 2 ranks in 2 domains: checked, scale-out only on the 4 rails"
  for dtype in int8 uint8 int32 uint32 int64 uint64 half float double; do
    # shellcheck disable=SC2016  # expanded by each rank's shell
    out=$(FCCL_ALGO=hier KEEP=1 timeout 60 "$root/scripts/multihost.sh" 4 2 -- sh -c \
      'FCCL_SCALEUP_DOMAIN=rack$((FCCL_RANK / 4)) exec "$0" "$@"' "$build_dir/benchmarks/fccl-perf" allreduce \
      -d "$dtype" -o all -b 8 -e 600K -f 9 -n 1 -w 0 -c 1 2>&1) || fail "FCCL_ALGO=hier, $dtype: $out"
    grep -q "Out of bounds values : 0 OK" <<<"$out" || fail "FCCL_ALGO=hier, $dtype: $out"
  done
  echo "hierarchical all-reduce on that layout: every dtype x op checked"
  # All-to-all, all-to-allv and MoE dispatch/combine on that layout. FCCL_ALGO=hier puts every
  # block between domains on its rail: the rails are again the only scale-out hops. By default
  # blocks under the rail threshold go straight, the others on the rails: checked too.
  for coll in alltoall alltoallv moe; do
    args=(-b 8 -e 4M -f 8 -n 2 -w 1 -c 1)
    [ "$coll" = alltoallv ] && args+=(-k 3)
    [ "$coll" = moe ] && args=(-d bfloat16 --hidden 512 --topk 2 --experts 8 -b 1K -e 2M -f 32 -n 2 -w 1 -c 1)
    for algo in hier ""; do
      # shellcheck disable=SC2016  # expanded by each rank's shell
      out=$(FCCL_ALGO=$algo FCCL_DEBUG=INFO FCCL_DEBUG_SUBSYS=INIT,TUNE KEEP=1 timeout 120 "$root/scripts/multihost.sh" 4 2 -- \
        sh -c 'FCCL_SCALEUP_DOMAIN=rack$((FCCL_RANK / 4)) exec "$0" "$@"' "$build_dir/benchmarks/fccl-perf" "$coll" \
        "${args[@]}" 2>&1) || fail "fccl-perf $coll, FCCL_ALGO=$algo, in 2 domains: $out"
      grep -q "Out of bounds values : 0 OK" <<<"$out" || fail "fccl-perf $coll, FCCL_ALGO=$algo, in 2 domains: $out"
      grep -q "\[TUNE\] .*: hier (" <<<"$out" || fail "fccl-perf $coll, FCCL_ALGO=$algo: the hierarchical plan was not chosen: $out"
      if [ "$algo" = hier ]; then
        crossing=$(grep -o "rank [0-9] -> rank [0-9] via ofi:" <<<"$out" | sort -u | sed 's/ via ofi://' | tr '\n' ';')
        [ "$crossing" = "$expected" ] || fail "fccl-perf $coll, FCCL_ALGO=hier: scale-out hops are $crossing"
      fi
    done
  done
  echo "all-to-all(v) and MoE dispatch/combine on 4 hosts x 2 ranks in 2 domains: checked, on the rails and by size"
fi

step "multihost.sh: env-only launch, a rank's failure is the exit status, hosts removed after"
# shellcheck disable=SC2016
out=$(timeout 20 "$root/scripts/multihost.sh" 2 2 -- sh -c \
  'echo "rank $FCCL_RANK/$FCCL_NRANKS $(ip netns identify $$) ${FCCL_COMM_ID} ${#FCCL_COMM_SECRET}"' 2>/dev/null | sort)
echo "$out"
[ "$(echo "$out" | grep -c " fccl-t0 10.213.7.1:[0-9]* 32$")" = 2 ] || fail "multihost.sh: not 2 ranks on fccl-t0"
[ "$(echo "$out" | grep -c "^rank [23]/4 fccl-t1 ")" = 2 ] || fail "multihost.sh: not ranks 2, 3 on fccl-t1"
rc=0
# shellcheck disable=SC2016
GRACE=5 timeout 20 "$root/scripts/multihost.sh" 2 1 -- sh -c 'exit $((FCCL_RANK * 3))' 2>/dev/null || rc=$?
[ "$rc" = 3 ] || fail "multihost.sh: exit status $rc, rank 1 exited with 3"

step "down leaves nothing"
"$netns" down
trap - EXIT
left=$(leftovers)
[ -z "$left" ] || fail "left behind: $left"
step "PASS"
