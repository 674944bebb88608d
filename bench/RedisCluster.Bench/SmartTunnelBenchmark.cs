using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using RedisCluster.Tests.Infrastructure;

namespace RedisCluster.Bench;

/// <summary>
/// redis-benchmark against a 3-primary cluster directly (--cluster) and through Start-RedisTunnel -Mode Smart
/// (no --cluster: the tunnel looks like one server), SET and GET at -P 1 and -P 16 with 50 clients, in one run;
/// then the memory the tunnel needs for 1,000 idle clients.
/// </summary>
public sealed class SmartTunnelBenchmark
{
    private readonly int _requests;
    private readonly ModuleHost _host;

    public SmartTunnelBenchmark(int requests, ModuleHost host)
    {
        _requests = requests;
        _host = host;
    }

    public IEnumerable<string> Run()
    {
        using var cluster = RedisClusterProcesses.Start(3, 0);
        int port = FreePorts.Pick(withBusPort: false);
        _host.Invoke($"Start-RedisTunnel -Endpoint 127.0.0.1:{cluster.SeedPort} -Mode Smart -ListenPort {port} -Name bench -PassThru | Out-Null");
        try
        {
            yield return $"{"test",-5} {"-P",3} {"direct --cluster",17} {"smart tunnel",13} {"ratio",6}  p50 ms (direct/tunnel)";
            foreach (string test in new[] { "set", "get" })
            {
                foreach (int pipeline in new[] { 1, 16 })
                {
                    var (direct, directP50) = Benchmark(cluster.SeedPort, true, test, pipeline);
                    var (tunnel, tunnelP50) = Benchmark(port, false, test, pipeline);
                    yield return $"{test.ToUpperInvariant(),-5} {pipeline,3} {direct,17:N0} {tunnel,13:N0} {tunnel / direct,6:0.00}  {directP50}/{tunnelP50}";
                }
            }

            yield return string.Empty;
            yield return IdleClients(port, 1000);
        }
        finally
        {
            _host.Invoke("Stop-RedisTunnel -Name bench -Confirm:$false");
        }
    }

    private (double Rps, string P50) Benchmark(int port, bool cluster, string test, int pipeline)
    {
        var args = new List<string> { "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-t", test, "-P", pipeline.ToString(CultureInfo.InvariantCulture),
            "-c", "50", "-n", _requests.ToString(CultureInfo.InvariantCulture), "-r", "100000", "-d", "64", "-q" };
        if (cluster)
        {
            args.Add("--cluster");
        }

        var (output, _) = ExternalTool.Run("redis-benchmark", args);
        string summary = output.Split('\r', '\n').Select(l => l.Trim()).Last(l => l.Contains("requests per second", StringComparison.Ordinal));
        double rps = double.Parse(summary.Split(':')[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        string p50 = summary.Contains("p50=", StringComparison.Ordinal) ? summary[(summary.IndexOf("p50=", StringComparison.Ordinal) + 4)..].Split(' ')[0] : "?";
        return (rps, p50);
    }

    /// <summary>The tunnel runs in this process: its memory is this process's growth with the clients connected.</summary>
    private static string IdleClients(int port, int count)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = Process.GetCurrentProcess().WorkingSet64;
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

            GC.Collect();
            GC.WaitForPendingFinalizers();
            Thread.Sleep(500);
            long after = Process.GetCurrentProcess().WorkingSet64;
            return $"{count} idle clients connected (each answered PING): working set grew {(after - before) / 1048576.0:0.0} MB "
                + $"(whole benchmark process {after / 1048576.0:0.0} MB, client sockets included).";
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }
}
