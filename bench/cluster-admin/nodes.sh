#!/usr/bin/env bash
# Six cluster-enabled redis-server processes for the cluster-admin benchmark.
#   nodes.sh start DIR [node-timeout-ms=3000]   starts them under DIR (which must not exist), prints their ports once each answers PING
#   nodes.sh stop DIR    stops them by pid and removes DIR
set -euo pipefail
command="$1"
dir="$2"
timeout="${3:-3000}"

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

case "$command" in
start)
    mkdir "$dir"
    ports=()
    for i in 1 2 3 4 5 6; do
        p="$(free_port)"
        ports+=("$p")
        mkdir -p "$dir/$p"
        cat > "$dir/$p/redis.conf" <<CONF
port $p
bind 127.0.0.1
dir $dir/$p
cluster-enabled yes
cluster-config-file nodes.conf
cluster-node-timeout $timeout
appendonly no
save ""
repl-diskless-sync-delay 0
daemonize no
CONF
        redis-server "$dir/$p/redis.conf" > "$dir/$p/log" 2>&1 &
        echo "$!" > "$dir/$p/pid"
    done
    for p in "${ports[@]}"; do
        until redis-cli -p "$p" ping >/dev/null 2>&1; do sleep 0.05; done
    done
    echo "${ports[*]}"
    ;;
stop)
    for pidfile in "$dir"/*/pid; do
        [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
    done
    for pidfile in "$dir"/*/pid; do
        while [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; do sleep 0.05; done
    done
    rm -rf "$dir"
    ;;
*)
    echo "usage: nodes.sh start|stop DIR" >&2
    exit 2
    ;;
esac
