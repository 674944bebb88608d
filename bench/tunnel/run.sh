#!/usr/bin/env bash
# Benchmark: redis-benchmark against a TLS redis-server directly (--tls), through stunnel4 in client
# mode, through HAProxy (TCP mode, TLS to the server with verification), through Start-RedisTunnel
# (standalone mode, running in pwsh from the staged module, as users run it) and through a .NET relay
# that only copies bytes (the floor for any relay written on this runtime). SET and GET, -P 16 and
# -P 1, 50 clients, 64-byte values, -r 1000000. The peers are measured interleaved, test by test, for
# BENCH_ROUNDS rounds (default 2), and compared as ratios within each round.
#
#   bench/tunnel/run.sh [requests-per-test [requests-per-test-at-P1]]     (default 200000, and the same at -P 1)
#
# BENCH_BASELINE_MODULE=/path/to/RedisCluster.psd1 adds a row "base": a second tunnel from another build
# of the module, for A/B comparisons in the same run; BENCH_BASELINE_ENV="NAME=value ..." sets environment
# variables for that second tunnel only (e.g. runtime settings, with the same module). Build the module
# first (dotnet build RedisCluster.slnx -c Release stages out/RedisCluster).
#
# Everything runs on 127.0.0.1 and is stopped (by pid) on exit. Results also go to bench/results/.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
requests="${1:-200000}"
requests_p1="${2:-$requests}"
rounds="${BENCH_ROUNDS:-2}"
clients=50
module="${BENCH_MODULE:-$root/out/RedisCluster/RedisCluster.psd1}"
baseline="${BENCH_BASELINE_MODULE:-}"
baseline_env="${BENCH_BASELINE_ENV:-}"
[ -z "$baseline_env" ] || [ -n "$baseline" ] || baseline="$module"
. "$here/../lib.sh"
bench_begin rc-tunnel-bench
bench_require "apt-get install -y redis-server redis-tools stunnel4 haproxy openssl" redis-server redis-benchmark redis-cli stunnel4 haproxy openssl dotnet python3
[ -f "$module" ] || { echo "no staged module at $module: run dotnet build RedisCluster.slnx -c Release first" >&2; exit 1; }

echo "building the copy relay..."
dotnet build "$here/CopyRelay" -c Release -o "$work/copy" -v quiet -nologo >/dev/null

"$here/make-certs.sh" "$work/certs"
user=bench
password="bench-$(openssl rand -hex 12)"
tls_port="$(bench_free_port)"
cat > "$work/redis.conf" <<CONF
bind 127.0.0.1
port 0
tls-port $tls_port
tls-cert-file $work/certs/server.crt
tls-key-file $work/certs/server.key
tls-ca-cert-file $work/certs/ca.crt
tls-auth-clients no
save ""
appendonly no
dir $work
logfile $work/redis.log
user $user on >$password ~* &* +@all
CONF
redis-server "$work/redis.conf" & pids+=($!); server_pid=$!
bench_wait_port "$tls_port"

stunnel_port="$(bench_free_port)"
cat > "$work/stunnel.conf" <<CONF
foreground = yes
pid =
output = $work/stunnel.log
[redis]
client = yes
accept = 127.0.0.1:$stunnel_port
connect = 127.0.0.1:$tls_port
CAfile = $work/certs/ca.crt
verifyChain = yes
checkHost = localhost
CONF
stunnel4 "$work/stunnel.conf" 2> "$work/stunnel.err" & pids+=($!); stunnel_pid=$!
bench_wait_port "$stunnel_port"

haproxy_port="$(bench_free_port)"
cat > "$work/haproxy.cfg" <<CONF
global
    maxconn 4096
defaults
    mode tcp
    timeout connect 5s
    timeout client 5m
    timeout server 5m
listen redis
    bind 127.0.0.1:$haproxy_port
    server redis 127.0.0.1:$tls_port ssl verify required ca-file $work/certs/ca.crt verifyhost localhost
CONF
haproxy -db -f "$work/haproxy.cfg" > "$work/haproxy.log" 2>&1 & pids+=($!); haproxy_pid=$!
bench_wait_port "$haproxy_port"

# `dotnet pwsh` runs pwsh as a child of the SDK's process: the tunnel's CPU is counted on the pid that pwsh
# itself prints ("READY <port> <pid>").
start_tunnel() { # name module port [NAME=value...] -> sets <name>_pid
    local name="$1" module="$2" port="$3"; shift 3
    (cd "$root" && exec env "$@" BENCH_REDIS_PASSWORD="$password" dotnet pwsh -NoProfile -NonInteractive -File "$here/tunnel.ps1" -Module "$module" \
        -Endpoint "127.0.0.1:$tls_port" -CaCertificatePath "$work/certs/ca.crt" -User "$user" -ListenPort "$port" \
        < /dev/null > "$work/$name.out" 2> "$work/$name.err") & pids+=($!)
    bench_wait_port "$port"
    for _ in $(seq 1 200); do grep -q '^READY' "$work/$name.out" && break; sleep 0.05; done
    local pid
    pid="$(awk '/^READY/ { print $3 }' "$work/$name.out")"
    [ -n "$pid" ] || { echo "the $name tunnel did not start:" >&2; cat "$work/$name.err" >&2; exit 1; }
    pids+=("$pid")
    printf -v "${name}_pid" '%s' "$pid"
}
echo "starting the tunnel in pwsh..."
tunnel_port="$(bench_free_port)"
start_tunnel tunnel "$module" "$tunnel_port"
base_pid=""
if [ -n "$baseline" ]; then
    base_port="$(bench_free_port)"
    # shellcheck disable=SC2086 # the variables are words
    start_tunnel base "$baseline" "$base_port" $baseline_env
fi

copy_port="$(bench_free_port)"
BENCH_REDIS_PASSWORD="$password" dotnet "$work/copy/CopyRelay.dll" "$copy_port" "$tls_port" "$work/certs/ca.crt" "$user" \
    < /dev/null > "$work/copy.out" 2> "$work/copy.err" & pids+=($!); copy_pid=$!
bench_wait_port "$copy_port"

ticks() { # pid -> CPU ticks (user + system) used so far, 0 when there is no such process
    if [ -n "${1:-}" ] && [ -r "/proc/$1/stat" ]; then
        awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
    else
        echo 0
    fi
}

# CPU time is recorded per test for the server, the relay and redis-benchmark: unlike requests/s it
# moves little with the machine's other load, so it shows what each relay costs per request.
run() { # round name relay-pid pipeline test extra-args...
    local round="$1" name="$2" relay="$3" pipeline="$4" test="$5"; shift 5
    local server_before relay_before server_after relay_after line n="$requests"
    [ "$pipeline" = 1 ] && n="$requests_p1"
    server_before="$(ticks "$server_pid")"; relay_before="$(ticks "$relay")"
    line="$(/usr/bin/time -f '%U %S' -o "$work/time.txt" redis-benchmark -h 127.0.0.1 "$@" -c "$clients" -n "$n" -P "$pipeline" \
        -t "$test" -d 64 -r 1000000 --csv 2>/dev/null | tail -n +2 | tr -d '"')"
    server_after="$(ticks "$server_pid")"; relay_after="$(ticks "$relay")"
    IFS=, read -r tname rps avg min p50 p95 p99 max <<< "$line"
    read -r bench_user bench_system < "$work/time.txt"
    echo "$round,$name,$pipeline,$tname,$rps,$p50,$p99,$((server_after - server_before)),$((relay_after - relay_before)),$bench_user,$bench_system,$n"
}

# The .NET relays compile their hot paths on first use (tiered JIT): warm each relay up before measuring.
for port in "$tunnel_port" ${base_port:-} "$copy_port"; do
    redis-benchmark -h 127.0.0.1 -p "$port" -c "$clients" -n 100000 -P 16 -t set,get -d 64 -r 1000000 -q > /dev/null 2>&1
    redis-benchmark -h 127.0.0.1 -p "$port" -c "$clients" -n 20000 -t set,get -d 64 -r 1000000 -q > /dev/null 2>&1
done

results="$work/results.csv"
: > "$results"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$rounds"); do
    for pipeline in 16 1; do
        for test in set get; do
            run "$round" direct "" "$pipeline" "$test" -p "$tls_port" --tls --cacert "$work/certs/ca.crt" --user "$user" -a "$password" >> "$results"
            run "$round" haproxy "$haproxy_pid" "$pipeline" "$test" -p "$haproxy_port" --user "$user" -a "$password" >> "$results"
            run "$round" tunnel "$tunnel_pid" "$pipeline" "$test" -p "$tunnel_port" >> "$results"
            if [ -n "$base_pid" ]; then
                run "$round" base "$base_pid" "$pipeline" "$test" -p "$base_port" >> "$results"
            fi
            run "$round" stunnel "$stunnel_pid" "$pipeline" "$test" -p "$stunnel_port" --user "$user" -a "$password" >> "$results"
            run "$round" copy "$copy_pid" "$pipeline" "$test" -p "$copy_port" >> "$results"
        done
    done
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

mkdir -p "$root/bench/results"
out="$root/bench/results/tunnel-$(date -u +%Y%m%dT%H%M%SZ).txt"
python3 "$here/report.py" "$results" "$clients" "$load_before" "$load_after" "${baseline_env:-}" | tee "$out"
echo "(saved to $out)"
