#!/usr/bin/env bash
# Cluster administration benchmark: New-RedisCluster against `redis-cli --cluster create`, and Move-RedisSlot
# against `redis-cli --cluster reshard --cluster-pipeline`, in the same run, interleaved round by round (the machine
# is shared: compare within a run, as ratios). Each creation gets six fresh servers; resharding uses one set.
#   bench/cluster-admin/run.sh [rounds] [keys-per-slot] [creation-rounds (default: rounds)]
# Needs redis-server/redis-cli on PATH, python3, and the staged module (dotnet build RedisCluster.slnx -c Release).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
rounds="${1:-3}"
keys_per_slot="${2:-200}"
create_rounds="${3:-$rounds}"
work="$(mktemp -d /tmp/cluster-admin-bench.XXXXXX)"
cleanup() {
    # The reshard servers, and any creation round's servers left by a failed run.
    for pidfile in "$work"/*/*/pid; do
        [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

"$here/nodes.sh" start "$work/reshard" > "$work/ports"
read -r -a ports < "$work/ports"

echo "# $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, rounds=$rounds, keys/slot=$keys_per_slot"
dotnet pwsh -NoProfile -File "$here/bench.ps1" -Ports "${ports[*]}" -Rounds "$rounds" -CreateRounds "$create_rounds" -KeysPerSlot "$keys_per_slot" -Module "$root/out/RedisCluster/RedisCluster.psd1" -NodeScript "$here/nodes.sh" -Work "$work"
