#!/usr/bin/env bash
# How often moving slots away from a primary and straight back loses keys or leaves the primaries disagreeing on the
# owner, with Move-RedisSlot in one real pwsh, a fresh plaintext 3-primary cluster per round (see away-and-back.ps1).
# Redis 7.0 can leave a node a stale "owner not claiming" mark on a slot that a later claim uses to take the slot back
# (Move-RedisSlot's notes); this is the rate. It needs fresh clusters (their nodes ping each other often) and a warm
# pwsh (a cold one is too slow to lose the race): on one long-lived cluster the old order lost nothing in 150 rounds.
# Not part of CI: a rate.
#
#   bench/slot-moves/run.sh [rounds=100]
#   BENCH_MODULE=/path/RedisCluster.psd1   another build (default: the staged out/RedisCluster, rebuilt first)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
. "$root/bench/lib.sh"
bench_require "apt-get install -y redis-server redis-tools" redis-server redis-cli
bench_require "apt-get install -y python3" python3
bench_begin slot-moves
module="$(bench_module)"
ports=()
while [ "${#ports[@]}" -lt 3 ]; do
    port="$(bench_free_port)"
    [[ " ${ports[*]} " == *" $port "* ]] || ports+=("$port")
done
dotnet "$(bench_pwsh_dll)" -NoProfile -NonInteractive -File "$here/away-and-back.ps1" -Module "$module" -Work "$work" -Ports "${ports[*]}" -Rounds "${1:-100}"
