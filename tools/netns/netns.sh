#!/usr/bin/env bash
# Emulates several hosts on one machine with network namespaces. Host i is the namespace
# fccl-h<i>, whose eth0 (one end of a veth pair) has 10.213.0.<i+1>/24; the other ends sit in the
# bridge fccl-br0 (10.213.0.254) in the root namespace, so the hosts reach each other and the root
# namespace (where mpirun runs). fccl's host identity includes the network namespace, so to fccl
# (and to Open MPI, given the addresses as host names) each namespace is another host.
#
#   netns.sh check              exit 0 if namespaces, veths and bridges can be made here, else
#                               1 and a one-line reason (not root, a container without the caps)
#   netns.sh up N               exactly N hosts, 1 <= N <= 253 (idempotent: repairs a partial
#                               setup, removes hosts >= N)
#   netns.sh down               removes every host (processes inside are killed), the veths and
#                               the bridge, also what a crashed run left
#   netns.sh hosts              "name address" per host that exists
#   netns.sh run H -- cmd ...   runs cmd inside host H (index 0, name fccl-h0 or address
#                               10.213.0.1) with this environment; its hostname there is the
#                               namespace's name (own UTS namespace) where the kernel allows it
#   netns.sh ns H               prints the namespace name of H (for scripts)
#
# Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN). Another layout, so that a test does not clobber a
# setup someone is using: FCCL_NETNS_PREFIX (fccl-h), FCCL_NETNS_BRIDGE (fccl-br0),
# FCCL_NETNS_NET (the first three octets of a /24, 10.213.0).
set -euo pipefail

prefix=${FCCL_NETNS_PREFIX:-fccl-h}
bridge=${FCCL_NETNS_BRIDGE:-fccl-br0}
net=${FCCL_NETNS_NET:-10.213.0}
bridge_addr="$net.254"

die() {
  echo "netns.sh: $*" >&2
  exit 1
}

address_of() { echo "$net.$(($1 + 1))"; }

# Where `ip netns add` mounts it (no `ip netns list | grep -q`: under pipefail, the writer's
# SIGPIPE after an early match would read as "absent").
ns_exists() { [ -e "/run/netns/$1" ]; }

# Indices of the hosts that exist, ascending.
existing_hosts() {
  ip netns list 2>/dev/null | awk '{print $1}' | sed -n "s/^${prefix}\([0-9]\+\)\$/\1/p" | sort -n
}

# Host argument -> index: 3, fccl-h3 or 10.213.0.4 (a user@ before it, as ssh takes, is dropped).
host_index() {
  local h=${1#*@}
  if [[ $h =~ ^[0-9]+$ ]]; then
    echo "$h"
  elif [[ $h == "$prefix"* && ${h#"$prefix"} =~ ^[0-9]+$ ]]; then
    echo "${h#"$prefix"}"
  elif [[ $h == "$net".* && ${h#"$net".} =~ ^[0-9]+$ ]] && ((${h#"$net".} >= 1 && ${h#"$net".} <= 253)); then
    echo $((${h#"$net".} - 1))
  else
    die "'$1' is not a host here (an index, ${prefix}N or $net.N)"
  fi
}

cmd_check() {
  command -v ip >/dev/null || die "no 'ip' command (install iproute2)"
  [ "$(id -u)" -eq 0 ] || die "needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN) to make network namespaces"
  local probe="fccl-ck$$" err  # +1 character stays within IFNAMSIZ
  if ! err=$(ip netns add "$probe" 2>&1); then
    die "cannot create a network namespace: ${err//$'\n'/ }"
  fi
  # A namespace alone is not enough: some containers have no veth or bridge driver.
  local ok=1 why=""
  if ! err=$(ip link add "$probe" type veth peer name "${probe}p" netns "$probe" 2>&1); then
    ok=0 why="cannot create a veth pair: ${err//$'\n'/ }"
  elif ! err=$(ip link add "${probe}b" type bridge 2>&1); then
    ok=0 why="cannot create a bridge: ${err//$'\n'/ }"
  elif ! err=$(ip netns exec "$probe" true 2>&1); then
    ok=0 why="cannot enter a network namespace: ${err//$'\n'/ }"
  fi
  ip link del "${probe}b" 2>/dev/null || true
  ip link del "$probe" 2>/dev/null || true
  ip netns del "$probe" 2>/dev/null || true
  ((ok)) || die "$why"
  echo "netns.sh: network namespaces, veth pairs and bridges work here"
}

ensure_bridge() {
  ip link show "$bridge" >/dev/null 2>&1 || ip link add "$bridge" type bridge
  ip addr replace "$bridge_addr/24" dev "$bridge"
  ip link set "$bridge" up
}

# Makes host i whole, whatever part of it exists. The root end of the veth is named like the
# namespace (interfaces and namespaces do not share names), the other end is eth0 inside.
ensure_host() {
  local i=$1 ns="$prefix$1" addr
  addr=$(address_of "$i")
  ns_exists "$ns" || ip netns add "$ns"
  if ! ip netns exec "$ns" ip link show eth0 >/dev/null 2>&1; then
    ip link del "$ns" 2>/dev/null || true  # a root end whose peer was lost
    ip link add "$ns" type veth peer name eth0 netns "$ns"
  fi
  ip link set "$ns" master "$bridge"
  ip link set "$ns" up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr replace "$addr/24" dev eth0
  ip -n "$ns" link set eth0 up
  # Everything else (the root namespace's own addresses) through the bridge.
  ip -n "$ns" route replace default via "$bridge_addr" dev eth0
}

remove_host() {
  local ns="$prefix$1" pids
  # A namespace lives on while a process is inside it (and its veth with it): stop them first.
  mapfile -t pids < <(ip netns pids "$ns" 2>/dev/null || true)
  if ((${#pids[@]})); then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    for _ in $(seq 20); do
      mapfile -t pids < <(ip netns pids "$ns" 2>/dev/null || true)
      ((${#pids[@]})) || break
      sleep 0.1
    done
    ((${#pids[@]} == 0)) || kill -KILL "${pids[@]}" 2>/dev/null || true
  fi
  ip netns del "$ns" 2>/dev/null || true
  ip link del "$ns" 2>/dev/null || true
}

cmd_up() {
  local n=${1:-}
  if ! [[ $n =~ ^[0-9]+$ ]] || ((n < 1 || n > 253)); then die "up N: N must be 1..253, not '$n'"; fi
  [ "$(id -u)" -eq 0 ] || die "needs root"
  local i
  for i in $(existing_hosts); do ((i >= n)) && remove_host "$i"; done
  ensure_bridge
  for ((i = 0; i < n; ++i)); do ensure_host "$i"; done
  echo "netns.sh: $n host(s) up on $bridge ($bridge_addr): ${prefix}0..${prefix}$((n - 1)) = $(address_of 0)..$(address_of $((n - 1)))"
}

cmd_down() {
  [ "$(id -u)" -eq 0 ] || die "needs root"
  local i link
  for i in $(existing_hosts); do remove_host "$i"; done
  # Root ends left by a crash between "add veth" and "add namespace".
  for link in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -x "${prefix}[0-9]\+" || true); do
    ip link del "$link" 2>/dev/null || true
  done
  ip link del "$bridge" 2>/dev/null || true
}

cmd_hosts() {
  local i
  for i in $(existing_hosts); do echo "$prefix$i $(address_of "$i")"; done
}

cmd_run() {
  [ $# -ge 1 ] || die "run H -- cmd ..."
  local i ns
  i=$(host_index "$1")
  ns="$prefix$i"
  shift
  [ "${1:-}" = "--" ] && shift
  [ $# -ge 1 ] || die "run: no command"
  ns_exists "$ns" || die "host $ns does not exist (netns.sh up N)"
  # Its own UTS namespace gives the host its own hostname, so `hostname` and fccl's log prefix
  # tell the hosts apart; ip netns exec keeps the environment and the working directory.
  if unshare --uts true 2>/dev/null; then
    # shellcheck disable=SC2016  # $0 and $@ are the inner shell's
    exec ip netns exec "$ns" unshare --uts -- /bin/sh -c 'hostname "$0" && exec "$@"' "$ns" "$@"
  fi
  exec ip netns exec "$ns" "$@"
}

# up and down of one layout run one at a time (two launchers starting together, say).
lock() {
  exec 9>"/run/lock/fccl-netns-$bridge.lock" 2>/dev/null || exec 9>"/tmp/fccl-netns-$bridge.lock"
  flock -w 60 9 || die "another netns.sh up/down of $bridge holds the lock for 60 s"
}

main() {
  local sub=${1:-}
  [ $# -gt 0 ] && shift
  case "$sub" in
    check) cmd_check ;;
    up)
      lock
      cmd_up "$@"
      ;;
    down)
      lock
      cmd_down
      ;;
    hosts) cmd_hosts ;;
    run) cmd_run "$@" ;;
    ns)
      local i
      i=$(host_index "${1:-}")
      echo "$prefix$i"
      ;;
    *) die "usage: netns.sh check | up N | down | hosts | run H -- cmd ... | ns H" ;;
  esac
}

main "$@"
