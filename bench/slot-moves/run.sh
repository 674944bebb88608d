#!/usr/bin/env bash
# How often moving slots away from a primary and straight back loses keys or leaves the primaries disagreeing on the
# owner, with Move-RedisSlot in real pwsh. Each round makes a fresh plaintext 3-primary cluster (cluster-node-timeout
# 3000 ms, as the tests' clusters), moves slots 0-99 (ten keys each) from the first primary to the second and straight
# back, then waits (10 s at most) until every primary shows the same owners, and counts the keys. Redis 7.0 can leave a node a stale "owner not claiming" mark on a slot that a
# later claim uses to take the slot back (see Move-RedisSlot's notes); this is the rate. Not part of CI: a rate.
#
#   bench/slot-moves/run.sh [rounds=100]          stops at the first round that fails
#   BENCH_MODULE=/path/RedisCluster.psd1   another build (default: the staged out/RedisCluster, rebuilt first)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
. "$root/bench/lib.sh"
bench_require "apt-get install -y redis-server redis-tools" redis-server redis-cli
bench_require "apt-get install -y python3" python3
bench_begin slot-moves
module="$(bench_module)"
pwsh_dll="$(bench_pwsh_dll)"
export BENCH_NODE_TIMEOUT=3000
# Ten keys in each of the slots 0-99, written to the first primary (redis-cli gave it slots 0-5460).
write_keys() {
    python3 - <<'KEYS' | redis-cli -p "${cluster_ports[0]}" >/dev/null
def slot(name):
    crc = 0
    for byte in name.encode():
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021 if crc & 0x8000 else crc << 1) & 0xFFFF
    return crc % 16384
names, i = {}, 0
while len(names) < 100:
    s = slot("k%d" % i)
    if s < 100:
        names.setdefault(s, "k%d" % i)
    i += 1
for name in names.values():
    for n in range(10):
        print("SET {%s}:%d %d" % (name, n, n))
KEYS
}
rounds="${1:-100}"
for round in $(seq 1 "$rounds"); do
    bench_cluster 3
    write_keys
    if ! dotnet "$pwsh_dll" -NoProfile -NonInteractive -File "$here/away-and-back.ps1" -Module "$module" -Ports "${cluster_ports[*]}"; then
        echo "rounds: $round, failed: 1 (slots 0-99 away and back, 1000 keys)"
        exit 0
    fi
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    pids=()
    rm -rf "$work"/node-*
done
echo "rounds: $rounds, failed: 0 (slots 0-99 away and back, 1000 keys)"
