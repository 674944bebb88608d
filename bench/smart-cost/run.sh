#!/usr/bin/env bash
# Where the smart tunnel's CPU per request goes: redis-benchmark through Start-RedisTunnel -Mode Smart (in real pwsh)
# at -P 1, 4, 16 and 64, the tunnel's user and system CPU per request from /proc, and the fit cpu = B/P + c
# (B: cost per client batch, c: cost per command). See README.md.
#
#   bench/smart-cost/run.sh [requests-at-P16=1000000] [test=get]
#   BENCH_MODULE=/path/RedisCluster.psd1   another build (default: the staged out/RedisCluster, rebuilt first)
#   REDISCLUSTER_EVENT_LOOPS=n             passed on to the tunnel's pwsh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
. "$root/bench/lib.sh"
requests="${1:-1000000}"
test="${2:-get}"
bench_require "apt-get install -y redis-server redis-tools" redis-server redis-cli redis-benchmark
bench_require "the .NET SDK" dotnet
bench_require "apt-get install -y python3" python3
bench_begin smart-cost

bench_cluster 3

bench_smart_tunnel
# Its pid is pwsh's own, so its CPU is the tunnel's.
tunnel=$tunnel_pid

# Warm-up: the JIT's tiers, and every key the reads ask for written.
redis-benchmark -p "$tunnel_port" -c 50 -P 16 -n 300000 -r 1000000 -d 64 -t set,get -q >/dev/null 2>&1

cpu() { awk '{sub(/^.*\) /, ""); print $12, $13}' "/proc/$tunnel/stat"; }
results="$work/points"
: > "$results"
printf '%-4s %10s %10s %10s %10s\n' "-P" "requests/s" "user us" "sys us" "total us"
for pipeline in 1 4 16 64; do
    # Fewer requests where each costs more, so every row takes a similar time.
    n=$(( requests * pipeline / 16 ))
    [ "$n" -gt $(( requests * 2 )) ] && n=$(( requests * 2 ))
    [ "$n" -lt 50000 ] && n=50000
    read -r user0 sys0 < <(cpu)
    rps="$(redis-benchmark -p "$tunnel_port" -c 50 -P "$pipeline" -n "$n" -r 1000000 -d 64 -t "$test" -q 2>&1 \
        | tr '\r' '\n' | grep -oE '[0-9.]+ requests per second' | tail -1 | cut -d' ' -f1)"
    read -r user1 sys1 < <(cpu)
    python3 - "$pipeline" "$n" "$rps" "$user0" "$user1" "$sys0" "$sys1" "$(getconf CLK_TCK)" >> "$results" <<'ROW'
import sys
p, n, rps, u0, u1, s0, s1, hz = sys.argv[1:]
n = int(n); per = 1e6 / int(hz) / n
user = (int(u1) - int(u0)) * per; system = (int(s1) - int(s0)) * per
print(p, float(rps), user, system)
ROW
    tail -1 "$results" | awk '{printf "%-4s %10.0f %10.2f %10.2f %10.2f\n", $1, $2, $3, $4, $3 + $4}'
done

python3 - "$results" <<'FIT'
import sys
rows = [list(map(float, line.split())) for line in open(sys.argv[1])]
x = [1 / r[0] for r in rows]; y = [r[2] + r[3] for r in rows]
n = len(x); mx = sum(x) / n; my = sum(y) / n
b = sum((a - mx) * (c - my) for a, c in zip(x, y)) / sum((a - mx) ** 2 for a in x)
c = my - b * mx
print("fit: cpu per request = B/P + c with B = %.1f us per client batch, c = %.2f us per command" % (b, c))
FIT
