#!/usr/bin/env bash
# How often two clients' commands, sent one after the other, reach the cluster in the other order through
# Start-RedisTunnel -Mode Smart (in real pwsh) over a fresh plaintext 3-primary cluster. Redis's suite test
# "BRPOPLPUSH does not affect WATCH while still blocked", repeated: a client blocks in BRPOPLPUSH, another WATCHes its
# destination and sends MULTI, GET, EXEC, and at once a third sends the LPUSH that wakes the first. On one server the
# EXEC runs first and returns the GET's value; taken after the LPUSH, the EXEC aborts (nil). Not part of CI: a rate.
#
#   bench/order-races/run.sh [rounds=150]
#   BENCH_MODULE=/path/RedisCluster.psd1   another build (default: the staged out/RedisCluster, rebuilt first)
#   REDISCLUSTER_EVENT_LOOPS=n             passed on to the tunnel's pwsh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
. "$root/bench/lib.sh"
bench_require "apt-get install -y redis-server redis-tools" redis-server redis-cli
bench_require "apt-get install -y python3" python3
bench_begin order-races
bench_cluster 3
bench_smart_tunnel
python3 "$here/exec-after-watch.py" "$tunnel_port" "${1:-150}"
