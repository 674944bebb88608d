using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime;
using System.Text;
using RedisCluster.Tests.Infrastructure;

namespace RedisCluster.Bench;

/// <summary>
/// redis-benchmark against a 3-primary cluster directly (--cluster) and through Start-RedisTunnel -Mode Smart
/// (no --cluster: the tunnel looks like one server), SET, GET and MGET at -P 1 and -P 16 with 50 clients, in one
/// run, once on a plaintext cluster and once on a TLS cluster with an ACL user; after each, the memory the tunnel
/// needs for 1,000 idle clients.
/// </summary>
public sealed class SmartTunnelBenchmark
{
    public const int Clients = 50;
    public const int ValueSize = 64;
    public const int Keyspace = 100000;
    private const int MgetKeys = 10;
    // Issue 15's: at -P 16, plaintext and TLS with an ACL user.
    private const double Target = 0.75;
    private static readonly int[] Pipelines = { 1, 16 };

    private readonly int _requests;
    private readonly ModuleHost _host;

    public SmartTunnelBenchmark(int requests, ModuleHost host)
    {
        _requests = requests;
        _host = host;
    }

    public IEnumerable<string> Run()
    {
        foreach (var transport in new[] { ClusterTransport.Plaintext(), ClusterTransport.TlsWithAcl() })
        {
            foreach (string line in RunOn(transport))
            {
                yield return line;
            }

            yield return string.Empty;
        }

        yield return $"ratio = tunnel rps / direct rps in the same run; target: at -P 16 the tunnel delivers at least {Target:0.00}.";
        yield return $"Both sides run redis-benchmark with one thread and {Clients} connections (direct: --cluster --threads 1).";
        yield return "CPU: microseconds of CPU time per request, of the three primaries together, of the tunnel (this process) and of";
        yield return "  redis-benchmark. On 2 cores a run is CPU-bound, so the ratio follows the totals: the tunnel's own CPU is what it costs.";
        yield return $"Reads hit: before the runs every key of every pattern (0..{Keyspace - 1}, -r {Keyspace}) is written with {ValueSize}-byte values.";
        yield return "MGET, one slot: direct, redis-benchmark's {tag} puts each client's 10 keys in the first slot of the primary it is bound to,";
        yield return "  so all three primaries serve MGETs; through the tunnel the command carries one fixed tag, so every MGET goes to one primary.";
        yield return "* MGET, cross-slot: 10 keys in random slots, which only the tunnel can run (it splits them over the primaries and";
        yield return "  reassembles the reply); its ratio is against the direct one-slot MGET. redis-benchmark has no mget test (-t mget";
        yield return "  runs nothing) and --cluster stops at the first MOVED or CROSSSLOT reply, so it cannot send cross-slot MGET.";
    }

    private static IReadOnlyList<SmartTest> Tests(BenchKeyspace keyspace)
    {
        string[] Mget(string key) => new[] { "MGET" }.Concat(Enumerable.Repeat(key, MgetKeys)).ToArray();
        string[] set = { "-t", "set", "-d", ValueSize.ToString(CultureInfo.InvariantCulture) };
        string[] get = { "-t", "get" };
        return new[]
        {
            new SmartTest("SET", set, set),
            new SmartTest("GET", get, get),
            new SmartTest($"MGET {MgetKeys}, one slot", Mget("key:{tag}:__rand_int__"), Mget("key:" + keyspace.Tags[0] + ":__rand_int__")),
            new SmartTest($"MGET {MgetKeys}, cross-slot *", null, Mget("key:__rand_int__")),
        };
    }

    private IEnumerable<string> RunOn(ClusterTransport transport)
    {
        using var cluster = RedisClusterProcesses.Start(3, 0, transport.IsTls, transport.AclUsers);
        var keyspace = BenchKeyspace.Prepare(cluster, transport, _host, Keyspace, ValueSize);
        int port = FreePorts.PickListener();
        string name = transport.IsTls ? "bench-tls" : "bench";
        _host.Invoke(
            $"Start-RedisTunnel -Endpoint {cluster.Host}:{cluster.SeedPort} -Mode Smart {transport.ModuleParameters} -ListenPort {port} -Name {name} -PassThru | Out-Null",
            transport.Variables);
        try
        {
            yield return $"{transport.Name}: 3 primaries, no replicas";
            yield return $"{"test",-22} {"-P",3} {"direct --cluster",17} {"smart tunnel",13} {"ratio",6}  {"p50 ms (direct/tunnel)",-24}  CPU us/request: direct servers+bench / tunnel servers+tunnel+bench";
            var missed = new List<string>();

            // A test without a direct run (cross-slot MGET) is measured against the direct run of the test before it, at the same -P.
            var previousDirect = new Dictionary<int, double>();
            foreach (var test in Tests(keyspace))
            {
                foreach (int pipeline in Pipelines)
                {
                    var direct = test.Direct is null ? default : Benchmark(DirectTarget(cluster, transport), test.Direct, pipeline, cluster);
                    var tunnel = Benchmark(new[] { "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture) }, test.Tunnel, pipeline, cluster);
                    if (test.Direct is not null)
                    {
                        previousDirect[pipeline] = direct.Rps;
                    }

                    double ratio = tunnel.Rps / previousDirect[pipeline];
                    if (test.Direct is not null && pipeline == Pipelines[^1] && ratio < Target)
                    {
                        missed.Add($"{test.Name} ({ratio:0.00})");
                    }

                    string directRps = test.Direct is null ? "n/a" : direct.Rps.ToString("N0", CultureInfo.InvariantCulture);
                    string directCpu = test.Direct is null ? "-" : $"{direct.Cpu.Servers:0.00}+{direct.Cpu.Bench:0.00}";
                    string latency = $"{direct.P50 ?? "-"}/{tunnel.P50}";
                    yield return $"{test.Name,-22} {pipeline,3} {directRps,17} {tunnel.Rps,13:N0} {ratio,6:0.00}  {latency,-24}  {directCpu} / {tunnel.Cpu.Servers:0.00}+{tunnel.Cpu.Tunnel:0.00}+{tunnel.Cpu.Bench:0.00}";
                }
            }

            yield return missed.Count == 0
                ? $"-P {Pipelines[^1]} target ({Target:0.00}) met by every test with a direct run."
                : $"-P {Pipelines[^1]} target ({Target:0.00}) missed by: {string.Join(", ", missed)}.";
            yield return IdleClients(port, 1000);
        }
        finally
        {
            _host.Invoke($"Stop-RedisTunnel -Name {name} -Confirm:$false");
        }
    }

    /// <summary>
    /// --cluster with one thread. By default --cluster starts one thread per primary, and then a run only ends at the
    /// next 250 ms tick of its progress timer (threads whose clients are done wait for it): on 2 cores that cost a
    /// direct -P 16 GET of 200,000 requests 17-38% of its figure, and far more in short runs. One thread stops with
    /// the last reply and is the same client the tunnel runs get (50 connections, one thread); redis-benchmark still
    /// spreads the clients over the primaries.
    /// </summary>
    private static IReadOnlyList<string> DirectTarget(RedisClusterProcesses cluster, ClusterTransport transport) =>
        new[] { "-h", cluster.Host, "-p", cluster.SeedPort.ToString(CultureInfo.InvariantCulture), "--cluster", "--threads", "1" }
            .Concat(transport.DirectArgs).ToList();

    private (double Rps, string? P50, (double Servers, double Tunnel, double Bench) Cpu) Benchmark(IEnumerable<string> target, IReadOnlyList<string> test, int pipeline, RedisClusterProcesses cluster)
    {
        // Options first: redis-benchmark takes the first word that is not an option as the start of a custom command.
        var args = new List<string>(target)
        {
            "-P", pipeline.ToString(CultureInfo.InvariantCulture), "-c", Clients.ToString(CultureInfo.InvariantCulture),
            "-n", _requests.ToString(CultureInfo.InvariantCulture), "-r", Keyspace.ToString(CultureInfo.InvariantCulture), "-q",
        };
        args.AddRange(test);

        var pids = cluster.Nodes.Select(n => n.Pid).ToList();
        var before = CpuClock.Read(pids);
        var (output, _) = ExternalTool.Run("redis-benchmark", args);
        var after = CpuClock.Read(pids);

        // Per request, in microseconds. The tunnel is this process; between runs it idles, so a direct run reads near 0.
        double PerRequest(double seconds) => seconds * 1e6 / _requests;
        var cpu = (PerRequest(after.Servers - before.Servers), PerRequest(after.Self - before.Self), PerRequest(after.Children - before.Children));

        RedisBenchmarkSummary summary = RedisBenchmarkSummary.Parse(output, string.Join(' ', test));
        return (summary.RequestsPerSecond, summary.P50 ?? "?", cpu);
    }

    /// <summary>The tunnel runs in this process: its memory is this process's growth with the clients connected.</summary>
    private static string IdleClients(int port, int count)
    {
        var (workingSetBefore, heapBefore) = Settle();
        var clients = new List<TcpClient>();
        byte[] ping = Encoding.ASCII.GetBytes("*1\r\n$4\r\nPING\r\n");
        var buffer = new byte[64];
        try
        {
            for (int i = 0; i < count; i++)
            {
                var client = new TcpClient("127.0.0.1", port);
                clients.Add(client);
                client.GetStream().Write(ping);
                client.GetStream().ReadExactly(buffer, 0, 7);
            }

            var (workingSet, heap) = Settle();
            return $"{count} idle clients connected (each answered PING): working set grew {(workingSet - workingSetBefore) / 1048576.0:0.0} MB, "
                + $"managed heap {(heap - heapBefore) / 1048576.0:0.0} MB (whole benchmark process {workingSet / 1048576.0:0.0} MB, client sockets included).";
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    /// <summary>
    /// Collects until the working set holds still, before both readings: the runtime hands memory back to the
    /// system a few collections after it became free (pools trimmed, regions decommitted), so after the benchmark
    /// runs one collection left the first reading too high and the growth came out negative.
    /// </summary>
    private static (long WorkingSet, long Heap) Settle()
    {
        static long CollectAndRead()
        {
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            Thread.Sleep(250);
            using var process = Process.GetCurrentProcess();
            return process.WorkingSet64;
        }

        long workingSet = CollectAndRead();
        for (int i = 0; i < 20; i++)
        {
            long next = CollectAndRead();
            bool still = Math.Abs(next - workingSet) < 1048576;
            workingSet = next;
            if (still)
            {
                break;
            }
        }

        return (workingSet, GC.GetTotalMemory(forceFullCollection: true));
    }
}
