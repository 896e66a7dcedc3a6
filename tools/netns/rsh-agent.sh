#!/usr/bin/env bash
# An Open MPI rsh agent that "logs in" to a host of netns.sh: it runs the command inside that
# host's network namespace instead of on another machine.
#
#   mpirun -mca plm_rsh_agent "$PWD/tools/netns/rsh-agent.sh" \
#          -mca oob_tcp_if_include 10.213.0.0/24 -mca btl_tcp_if_include 10.213.0.0/24 \
#          --host 10.213.0.1:2,10.213.0.2:2 -np 4 prog
#
# Open MPI 4.1's plm rsh calls it like ssh: `agent [plm_rsh_args] HOST word...`, e.g.
#   agent 10.213.0.1  orted -mca ess "env" -mca ess_base_jobid "7012352" ... -mca orte_hnp_uri "...;tcp://...:37381"
# The words are one shell command line (quoted for a remote shell, `;` inside quotes), so, as
# sshd does, they are joined with spaces and run by sh -c. HOST is an address (10.213.0.1), a
# namespace name (fccl-h0) or an index, optionally user@HOST. The environment goes along (ip netns
# exec keeps it), unlike ssh; Open MPI sends what the orted needs on its command line anyway.
#
# The path must be absolute: with tree spawn, the orted in one namespace calls it again to start
# the orteds of others (that works: root in any namespace can enter another).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)

# ssh options before the host; those that take a value skip it too.
while [ $# -gt 0 ]; do
  case "$1" in
    -[bcDEeFIiJLlmOopQRSWw]) shift 2 ;;
    --) shift; break ;;
    -*) shift ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || { echo "rsh-agent.sh: usage: rsh-agent.sh [ssh options] HOST [command ...]" >&2; exit 255; }
host=$1
shift
[ $# -ge 1 ] || { echo "rsh-agent.sh: $host: no command (an interactive login is not emulated)" >&2; exit 255; }

# Like ssh, 255 means the agent failed (no such host) rather than the command.
ns=$("$here/netns.sh" ns "$host") || exit 255
if ! [ -e "/run/netns/$ns" ]; then
  echo "rsh-agent.sh: $host: host $ns is not up (tools/netns/netns.sh up N)" >&2
  exit 255
fi
exec "$here/netns.sh" run "$host" -- /bin/sh -c "$*"
