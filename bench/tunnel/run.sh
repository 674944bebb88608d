#!/usr/bin/env bash
# Benchmark: redis-benchmark against a TLS redis-server directly (--tls), through stunnel4 in client
# mode, through the RedisCluster tunnel (standalone mode) and through a .NET relay that only copies
# bytes (the floor for any relay written on this runtime), in one run. SET and GET, -P 1 and
# -P 16, 50 clients; requests/s and p50/p99 latency, with the tunnel's ratios to the other two.
#
#   bench/tunnel/run.sh [requests-per-test]     (default 200000)
#
# Everything runs on 127.0.0.1 and is stopped (by pid) on exit. Results also go to bench/results/.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
requests="${1:-200000}"
clients=50
work="$(mktemp -d /tmp/rc-tunnel-bench.XXXXXX)"
pids=()

cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

for tool in redis-server redis-benchmark redis-cli stunnel4 openssl dotnet; do
    command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y redis-server redis-tools stunnel4 openssl)" >&2; exit 1; }
done

free_port() {
    python3 - <<'PY'
import socket, random
while True:
    p = random.randint(23000, 32000)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); s.close(); print(p); break
    except OSError:
        s.close()
PY
}

wait_port() {
    for _ in $(seq 1 200); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        sleep 0.05
    done
    echo "nothing listens on port $1" >&2
    return 1
}

echo "building the tunnel host..."
dotnet build "$here/TunnelHost" -c Release -o "$work/host" -v quiet -nologo >/dev/null
dotnet build "$here/CopyRelay" -c Release -o "$work/copy" -v quiet -nologo >/dev/null

"$here/make-certs.sh" "$work/certs"
user=bench
password="bench-$(openssl rand -hex 12)"
tls_port="$(free_port)"
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
wait_port "$tls_port"

stunnel_port="$(free_port)"
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
wait_port "$stunnel_port"

tunnel_port="$(free_port)"
BENCH_REDIS_PASSWORD="$password" dotnet "$work/host/TunnelHost.dll" "127.0.0.1:$tls_port" "$work/certs/ca.crt" "$user" "$tunnel_port" \
    < /dev/null > "$work/tunnel.out" 2> "$work/tunnel.err" & pids+=($!); tunnel_pid=$!
wait_port "$tunnel_port"

copy_port="$(free_port)"
BENCH_REDIS_PASSWORD="$password" dotnet "$work/copy/CopyRelay.dll" "$copy_port" "$tls_port" "$work/certs/ca.crt" "$user" \
    < /dev/null > "$work/copy.out" 2> "$work/copy.err" & pids+=($!); copy_pid=$!
wait_port "$copy_port"

ticks() { # pid -> CPU ticks (user + system) used so far, 0 when there is no such process
    if [ -n "${1:-}" ] && [ -r "/proc/$1/stat" ]; then
        awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
    else
        echo 0
    fi
}

# CPU time is recorded per test for the server, the relay and redis-benchmark: unlike requests/s it
# hardly moves with the machine's other load, so it shows where a relay spends its time.
run() { # name relay-pid pipeline extra-args...
    local name="$1" relay="$2" pipeline="$3"; shift 3
    local test server_before relay_before server_after relay_after line
    for test in set get; do
        server_before="$(ticks "$server_pid")"; relay_before="$(ticks "$relay")"
        line="$(/usr/bin/time -f '%U %S' -o "$work/time.txt" redis-benchmark -h 127.0.0.1 "$@" -c "$clients" -n "$requests" -P "$pipeline" \
            -t "$test" -d 64 -r 100000 --csv 2>/dev/null | tail -n +2 | tr -d '"')"
        server_after="$(ticks "$server_pid")"; relay_after="$(ticks "$relay")"
        IFS=, read -r tname rps avg min p50 p95 p99 max <<< "$line"
        read -r bench_user bench_system < "$work/time.txt"
        echo "$name,$pipeline,$tname,$rps,$p50,$p99,$((server_after - server_before)),$((relay_after - relay_before)),$bench_user,$bench_system"
    done
}

results="$work/results.csv"
: > "$results"
for pipeline in 1 16; do
    run direct "" "$pipeline" -p "$tls_port" --tls --cacert "$work/certs/ca.crt" --user "$user" -a "$password" >> "$results"
    run stunnel "$stunnel_pid" "$pipeline" -p "$stunnel_port" --user "$user" -a "$password" >> "$results"
    run tunnel "$tunnel_pid" "$pipeline" -p "$tunnel_port" >> "$results"
    run copy "$copy_pid" "$pipeline" -p "$copy_port" >> "$results"
done

mkdir -p "$root/bench/results"
out="$root/bench/results/tunnel-$(date -u +%Y%m%dT%H%M%SZ).txt"
python3 - "$results" "$requests" "$clients" <<'PY' | tee "$out"
import sys, csv, os
rows = list(csv.reader(open(sys.argv[1])))
requests = int(sys.argv[2])
tick = os.sysconf("SC_CLK_TCK")
def cpu(r):  # microseconds of CPU per request: server, relay, redis-benchmark
    return tuple(v * 1e6 / requests for v in (int(r[6]) / tick, int(r[7]) / tick, float(r[8]) + float(r[9])))
data = {(r[0], r[1], r[2]): (float(r[3]), float(r[4]), float(r[5])) + cpu(r) for r in rows}
print(f"redis-benchmark, {requests} requests per test, {sys.argv[3]} clients, 64-byte values, {os.cpu_count()} cores")
print(f"{'test':<6}{'-P':>4}  {'direct TLS':>12}{'stunnel':>12}{'tunnel':>12}{'copy relay':>12}  {'tun/direct':>10}{'tun/stunnel':>12}{'copy/direct':>12}   p50 ms (d/s/t)        p99 ms (d/s/t)")
for p in ("1", "16"):
    for t in ("SET", "GET"):
        d, s, u, c = (data.get((n, p, t)) for n in ("direct", "stunnel", "tunnel", "copy"))
        if not (d and s and u and c):
            print(f"{t:<6}{p:>4}  missing results"); continue
        print(f"{t:<6}{p:>4}  {d[0]:>12,.0f}{s[0]:>12,.0f}{u[0]:>12,.0f}{c[0]:>12,.0f}  {u[0]/d[0]:>10.2f}{u[0]/s[0]:>12.2f}{c[0]/d[0]:>12.2f}   "
              f"{d[1]:.3f}/{s[1]:.3f}/{u[1]:.3f}   {d[2]:.3f}/{s[2]:.3f}/{u[2]:.3f}")
print()
print("CPU per request, microseconds (server / relay / redis-benchmark); CPU time moves far less with other load than requests/s")
print(f"{'test':<6}{'-P':>4}  {'direct TLS':>20}{'stunnel':>20}{'tunnel':>20}{'copy relay':>20}")
for p in ("1", "16"):
    for t in ("SET", "GET"):
        cells = []
        for n in ("direct", "stunnel", "tunnel", "copy"):
            v = data.get((n, p, t))
            cells.append(f"{v[3]:.2f}/{v[4]:.2f}/{v[5]:.2f}" if v else "missing")
        print(f"{t:<6}{p:>4}  {cells[0]:>20}{cells[1]:>20}{cells[2]:>20}{cells[3]:>20}")
PY
echo "(saved to $out)"
