#!/usr/bin/env bash
# Cluster administration benchmark: New-RedisCluster against `redis-cli --cluster create`, and Move-RedisSlot
# against `redis-cli --cluster reshard --cluster-pipeline`, on the same redis-server processes in the same run,
# interleaved round by round (the machine is shared: compare within a run, as ratios).
#   bench/cluster-admin/run.sh [rounds] [keys-per-slot] [creation-rounds (default: rounds)]
# Needs redis-server/redis-cli on PATH, python3, and the staged module (dotnet build RedisCluster.slnx -c Release).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
rounds="${1:-3}"
keys_per_slot="${2:-200}"
create_rounds="${3:-$rounds}"
work="$(mktemp -d /tmp/cluster-admin-bench.XXXXXX)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

free_port() {
    # A loopback port whose bus port (+10000) is free too.
    python3 -c '
import random, socket
while True:
    p = random.randint(20000, 39999)
    try:
        for q in (p, p + 10000):
            s = socket.socket(); s.bind(("127.0.0.1", q)); s.close()
        print(p); break
    except OSError:
        pass'
}

ports=()
for i in 1 2 3 4 5 6; do
    p="$(free_port)"
    ports+=("$p")
    mkdir -p "$work/$p"
    cat > "$work/$p/redis.conf" <<CONF
port $p
bind 127.0.0.1
dir $work/$p
cluster-enabled yes
cluster-config-file nodes.conf
cluster-node-timeout 3000
appendonly no
save ""
repl-diskless-sync-delay 0
daemonize no
CONF
    redis-server "$work/$p/redis.conf" > "$work/$p/log" 2>&1 &
    pids+=("$!")
done
for p in "${ports[@]}"; do
    until redis-cli -p "$p" ping >/dev/null 2>&1; do sleep 0.05; done
done

echo "# $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, rounds=$rounds, keys/slot=$keys_per_slot"
dotnet pwsh -NoProfile -File "$here/bench.ps1" -Ports "${ports[*]}" -Rounds "$rounds" -CreateRounds "$create_rounds" -KeysPerSlot "$keys_per_slot" -Module "$root/out/RedisCluster/RedisCluster.psd1"
