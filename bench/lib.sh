#!/usr/bin/env bash
# Shared by the bench scripts (source it after `set -euo pipefail`): a work folder and the processes started in
# it, stopped by pid and removed on exit; the tool check; free loopback ports; waiting for a port.
#
#   bench_begin <name>          sets $work (a new folder under /tmp) and $pids (append "$!" after each start)
#   bench_require <hint> tools  exits with the hint when a tool is missing
#   bench_free_port             a free 127.0.0.1 port in 20000-30000 whose +1000 and +10000 are free too
#                               (a cluster bus port, the pinned tunnel's listeners)
#   bench_wait_port <port>      until something accepts on it (60 s at most)
#   bench_cluster <nodes>       that many cluster-enabled redis-servers on free ports (in $work, pids in $pids), made
#                               one cluster of primaries, waited for until cluster_state:ok; sets $cluster_ports
#   bench_pwsh_dll              the pinned PowerShell tool's pwsh.dll (restored if missing; needs $root), to start as
#                               `dotnet pwsh.dll` so that the pid is pwsh's own (the tool's shim runs it as a child)
#   bench_staged_module         builds the module and prints the path of a private copy's RedisCluster.psd1 (a rebuild
#                               during the run must not overwrite the assemblies a tunnel has loaded)
#   bench_module                $BENCH_MODULE (another build's RedisCluster.psd1) if set, else bench_staged_module
#   bench_tunnel <psd1> <args>  Start-RedisTunnel <args> in real pwsh from that module, as users run it (log in
#                               $work/tunnel-*.log); its pid (pwsh's own) in $tunnel_pid and $pids
#   bench_smart_tunnel          a Smart tunnel over bench_cluster's cluster, from bench_module, on a free port,
#                               waited for; sets $tunnel_port and $tunnel_pid

bench_begin() {
    work="$(mktemp -d "/tmp/$1.XXXXXX")"
    pids=()
    trap bench_end EXIT
}

bench_end() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}

bench_require() {
    local hint="$1"; shift
    for tool in "$@"; do
        command -v "$tool" >/dev/null || { echo "missing $tool ($hint)" >&2; exit 1; }
    done
}

# Below the ephemeral range, so nothing the benchmark connects out from takes it meanwhile.
bench_free_port() {
    python3 - <<'PORT'
import socket, random
while True:
    p = random.randint(20000, 30000)
    try:
        for q in (p, p + 1000, p + 10000):
            s = socket.socket(); s.bind(("127.0.0.1", q)); s.close()
        print(p); break
    except OSError:
        pass
PORT
}

bench_wait_port() {
    for _ in $(seq 1 1200); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        sleep 0.05
    done
    echo "nothing listens on port $1" >&2
    return 1
}

bench_cluster() {
    cluster_ports=()
    local port
    for _ in $(seq 1 "$1"); do
        port="$(bench_free_port)"
        mkdir -p "$work/node-$port"
        redis-server --port "$port" --bind 127.0.0.1 --cluster-enabled yes --cluster-config-file nodes.conf \
            --cluster-node-timeout 15000 --dir "$work/node-$port" --save '' --appendonly no \
            --logfile "$work/node-$port/redis.log" &
        pids+=($!)
        cluster_ports+=("$port")
    done
    for port in "${cluster_ports[@]}"; do bench_wait_port "$port"; done
    timeout 120 redis-cli --cluster create "${cluster_ports[@]/#/127.0.0.1:}" --cluster-yes >/dev/null
    for port in "${cluster_ports[@]}"; do
        for _ in $(seq 1 600); do
            redis-cli -p "$port" CLUSTER INFO | grep -q 'cluster_state:ok' && break
            sleep 0.1
        done
    done
}

bench_pwsh_dll() {
    local packages dll
    packages="$(dotnet nuget locals global-packages --list | sed -E 's/^global-packages: *//')"
    dll="$packages/powershell/7.6.10/tools/net10.0/any/unix/pwsh.dll"
    [ -f "$dll" ] || (cd "$root" && dotnet tool restore >/dev/null)
    echo "$dll"
}

bench_staged_module() {
    (cd "$root" && dotnet tool restore >/dev/null && dotnet build RedisCluster.slnx -c Release -v quiet -nologo >/dev/null)
    cp -r "$root/out/RedisCluster" "$work/module"
    echo "$work/module/RedisCluster.psd1"
}

bench_module() {
    if [ -n "${BENCH_MODULE:-}" ]; then echo "$BENCH_MODULE"; else bench_staged_module; fi
}

bench_tunnel() {
    local module="$1" pwsh_dll
    shift
    pwsh_dll="$(bench_pwsh_dll)"
    (cd "$root" && exec dotnet "$pwsh_dll" -NoProfile -NonInteractive -Command \
        "Import-Module '$module'; \$null = Start-RedisTunnel $*; [System.Threading.Thread]::Sleep(-1)" \
        < /dev/null > "$work/tunnel-$RANDOM.log" 2>&1) &
    tunnel_pid=$!
    pids+=("$tunnel_pid")
}

bench_smart_tunnel() {
    local module
    module="$(bench_module)"
    tunnel_port="$(bench_free_port)"
    bench_tunnel "$module" -Endpoint "127.0.0.1:${cluster_ports[0]}" -Mode Smart -ListenPort "$tunnel_port"
    bench_wait_port "$tunnel_port"
}
