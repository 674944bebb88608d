#!/usr/bin/env bash
# Real clients through every tunnel mode: StackExchange.Redis (se/) and ioredis (ioredis/, installed with npm into
# a temporary folder) against Start-RedisTunnel in Standalone mode (over a plain redis-server), Pinned mode and
# Smart mode (over a fresh 3-primary cluster), each tunnel in real pwsh from the staged module. Prints one line
# per client and mode and exits 1 if any client saw an error. Needs redis-server, redis-cli, node/npm, the .NET SDK.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
module="${BENCH_MODULE:-$root/out/RedisCluster/RedisCluster.psd1}"
ioredis_version="${IOREDIS_VERSION:-6}"
. "$here/../lib.sh"
bench_begin rc-real-clients
bench_require "apt-get install -y redis-server redis-tools nodejs npm" redis-server redis-cli node npm dotnet python3
[ -f "$module" ] || { echo "no staged module at $module: run ./build.ps1 -Task Build first" >&2; exit 1; }
wait_ping() {
    for _ in $(seq 1 1200); do redis-cli -p "$1" PING >/dev/null 2>&1 && return 0; sleep 0.05; done
    echo "nothing answers PING on port $1" >&2
    tail -n 20 "$work"/tunnel-*.log >&2 2>/dev/null || true
    return 1
}

echo "building the StackExchange.Redis client and installing ioredis@$ioredis_version..."
dotnet build "$here/se" -c Release -o "$work/se" -v quiet -nologo >/dev/null
(cd "$work" && npm install --silent --no-audit --no-fund "ioredis@$ioredis_version" >/dev/null)
cp "$here/ioredis/check.js" "$work/check.js"

single="$(bench_free_port)"
redis-server --port "$single" --bind 127.0.0.1 --save '' --appendonly no --logfile "$work/single.log" & pids+=($!)
wait_ping "$single"
bench_cluster 3
nodes=("${cluster_ports[@]}")

# bench_tunnel: the pid cleanup stops is pwsh's own, so no tunnel outlives the run.
standalone="$(bench_free_port)"; smart="$(bench_free_port)"; offset=1000
bench_tunnel "$module" -Endpoint "127.0.0.1:$single" -Mode Standalone -ListenPort "$standalone"
bench_tunnel "$module" -Endpoint "127.0.0.1:${nodes[0]}" -Mode Pinned -PortOffset "$offset"
bench_tunnel "$module" -Endpoint "127.0.0.1:${nodes[0]}" -Mode Smart -ListenPort "$smart"
pinned=$((nodes[0] + offset))
for port in "$standalone" "$pinned" "$smart"; do wait_ping "$port"; done

failed=0
run() { # label command...
    local label="$1"; shift
    if out="$("$@" 2>&1)"; then echo "ok   $label: ${out##*: }"; else echo "FAIL $label: $out" | head -5; failed=1; fi
}
run "StackExchange.Redis, standalone" dotnet "$work/se/RealClientSe.dll" "127.0.0.1:$standalone"
run "StackExchange.Redis, pinned" dotnet "$work/se/RealClientSe.dll" "127.0.0.1:$pinned"
run "StackExchange.Redis, smart" dotnet "$work/se/RealClientSe.dll" "127.0.0.1:$smart"
run "ioredis, standalone" node "$work/check.js" "$standalone"
run "ioredis, pinned (Cluster)" node "$work/check.js" "$pinned" cluster
run "ioredis, smart" node "$work/check.js" "$smart"
exit "$failed"
