"""Prints the table of bench/tunnel/run.sh from its CSV: requests/s, ratios within each round, CPU per request."""
import csv
import os
import statistics
import sys

rows = list(csv.reader(open(sys.argv[1])))
tick = os.sysconf("SC_CLK_TCK")
clients, load_before, load_after, base_env = sys.argv[2:6]
order = ("direct", "haproxy", "tunnel", "base", "stunnel", "copy")
names = [n for n in order if any(r[1] == n for r in rows)]
label = {"direct": "direct TLS", "haproxy": "HAProxy", "tunnel": "tunnel", "base": "base tunnel", "stunnel": "stunnel", "copy": "copy relay"}
data = {}  # (round, name, -P, test) -> rps, p50, p99, server us/req, relay us/req, benchmark us/req
for r in rows:
    requests = int(r[11])
    cpu = (int(r[7]) / tick * 1e6 / requests, int(r[8]) / tick * 1e6 / requests, (float(r[9]) + float(r[10])) * 1e6 / requests)
    data[(r[0], r[1], r[2], r[3])] = (float(r[4]), float(r[5]), float(r[6])) + cpu
rounds = sorted({r[0] for r in rows}, key=int)
tests = [(p, t) for p in ("16", "1") for t in ("SET", "GET")]


def values(name, p, t, field):
    return [data[(k, name, p, t)][field] for k in rounds if (k, name, p, t) in data]


counts = sorted({(r[2], r[11]) for r in rows}, key=lambda x: -int(x[0]))
print(f"redis-benchmark, {', '.join(f'{n} requests per test at -P {p}' for p, n in counts)}, {clients} clients, 64-byte values, -r 1000000, "
      f"{os.cpu_count()} cores, {len(rounds)} interleaved round(s); load average before {load_before}, after {load_after}")
if base_env:
    label["base"] = "base+env"
    print(f"base tunnel environment: {base_env}")
print()
print("requests/s (median of the rounds)")
print(f"{'test':<5}{'-P':>4}" + "".join(f"{label[n]:>13}" for n in names))
for p, t in tests:
    print(f"{t:<5}{p:>4}" + "".join(f"{statistics.median(v):>13,.0f}" if (v := values(n, p, t, 0)) else f"{'-':>13}" for n in names))
print()
print("ratios of requests/s within each round (one figure per round)")
pairs = [("tunnel", "haproxy"), ("tunnel", "direct"), ("haproxy", "direct"), ("copy", "direct")]
if "base" in names:
    pairs[1:1] = [("base", "haproxy"), ("tunnel", "base")]
print(f"{'test':<5}{'-P':>4}  " + "".join(f"{a + '/' + b:>19}" for a, b in pairs))
for p, t in tests:
    cells = []
    for a, b in pairs:
        v = [data[(k, a, p, t)][0] / data[(k, b, p, t)][0] for k in rounds if (k, a, p, t) in data and (k, b, p, t) in data]
        cells.append(f"{' '.join(f'{x:.2f}' for x in v):>19}")
    print(f"{t:<5}{p:>4}  " + "".join(cells))
print()
print("relay CPU per request, microseconds (one figure per round; user + system time of the relay's process)")
relays = [n for n in names if n != "direct"]
print(f"{'test':<5}{'-P':>4}" + "".join(f"{label[n]:>16}" for n in relays))
for p, t in tests:
    print(f"{t:<5}{p:>4}" + "".join(f"{'/'.join(f'{x:.2f}' for x in values(n, p, t, 4)):>16}" for n in relays))
print()
print("server / redis-benchmark CPU per request, microseconds (median of the rounds)")
print(f"{'test':<5}{'-P':>4}" + "".join(f"{label[n]:>16}" for n in names))
for p, t in tests:
    cells = [f"{statistics.median(values(n, p, t, 3)):.2f}/{statistics.median(values(n, p, t, 5)):.2f}" for n in names]
    print(f"{t:<5}{p:>4}" + "".join(f"{c:>16}" for c in cells))
print()
print("p50 / p99 latency, ms (median of the rounds)")
print(f"{'test':<5}{'-P':>4}" + "".join(f"{label[n]:>16}" for n in names))
for p, t in tests:
    cells = [f"{statistics.median(values(n, p, t, 1)):.3f}/{statistics.median(values(n, p, t, 2)):.3f}" for n in names]
    print(f"{t:<5}{p:>4}" + "".join(f"{c:>16}" for c in cells))
