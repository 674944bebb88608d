#!/usr/bin/env bash
# Redis's own test suite (7.0.15, external mode) pointed at Start-RedisTunnel -Mode Smart over a fresh
# plaintext 3-primary cluster: how far the smart tunnel is from one Redis server. A benchmark-style check,
# not part of CI: it takes minutes and changes server config (hence a fresh cluster per run).
#
#   bench/redis-test-suite/run.sh [cluster-mode|singledb] [extra runtest arguments...]
#
# Environment: SKIP_UNITS="unit/a unit/b" skips units (those that hang), BENCH_MODULE=/path/RedisCluster.psd1 runs
# another build (default: the staged out/RedisCluster, rebuilt first), REDIS_SRC caches the source
# (default /tmp/rc-redis-src), RESULTS (default bench/results/redis-test-suite-<mode>-<time>.log).
# Prints the counts of [ok], [err] and [exception] lines and the failing test names.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
mode="${1:-cluster-mode}"
shift || true
case "$mode" in
    cluster-mode) mode_flag=--cluster-mode ;;
    singledb) mode_flag=--singledb ;;
    *) echo "usage: $0 [cluster-mode|singledb] [runtest arguments...]" >&2; exit 2 ;;
esac

src_cache="${REDIS_SRC:-/tmp/rc-redis-src}"
results="${RESULTS:-$root/bench/results/redis-test-suite-$mode-$(date +%Y%m%d-%H%M%S).log}"
mkdir -p "$(dirname "$results")"

# The suite comes from Debian's source package; apt-get source needs a deb-src entry next to the deb one.
if [ ! -x "$src_cache/redis-7.0.15/runtest" ]; then
    if ! command -v tclsh >/dev/null; then apt-get install -y tcl >/dev/null; fi
    if ! grep -rqs '^Types: deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
        sed -e 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > /etc/apt/sources.list.d/debian-src.sources
        apt-get update -qq
    fi
    mkdir -p "$src_cache"
    (cd "$src_cache" && apt-get source --download-only redis >/dev/null 2>&1 && tar xzf redis_7.0.15.orig.tar.gz)
fi
suite="$src_cache/redis-7.0.15"
mkdir -p "$suite/src"
for tool in redis-cli redis-server redis-benchmark redis-check-aof; do
    ln -sf "$(command -v "$tool")" "$suite/src/$tool"
done

. "$root/bench/lib.sh"
bench_begin rc-redis-suite
bench_cluster 3
endpoints=("${cluster_ports[@]/#/127.0.0.1:}")

# The tunnel runs in real pwsh, as users run it.
bench_smart_tunnel

tags='-slow -needs:debug -needs:repl -needs:save -needs:reset -needs:config-maxmemory -needs:config-resetstat -needs:latency -needs:local-process -needs:pfdebug'
skip=()
for unit in ${SKIP_UNITS:-}; do skip+=(--skipunit "$unit"); done

echo "suite: $mode_flag against the smart tunnel 127.0.0.1:$tunnel_port over ${endpoints[*]}; log: $results"
(cd "$suite" && TERM=dumb ./runtest --host 127.0.0.1 --port "$tunnel_port" --durable --timeout 300 \
    --tags "$tags" "$mode_flag" "${skip[@]}" "$@") > "$results" 2>&1 || true

ok="$(grep -c '^\[ok\]' "$results" || true)"
err="$(grep -c '^\[err\]' "$results" || true)"
exc="$(grep -c '^\[exception\]' "$results" || true)"
echo "ok: $ok, err: $err, exception: $exc"
grep '^\[err\]' "$results" | sed -E 's/^\[err\]: //' | sort | uniq -c | sort -rn | head -100
