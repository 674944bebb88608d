using System.Globalization;
using System.Text;
using RedisCluster.Tests.Infrastructure;

namespace RedisCluster.Bench;

/// <summary>
/// Start-RedisFill against redis-benchmark (-t set -P 64) and redis-cli --pipe, on the same servers in
/// one run, writing the same payload (16-byte keys, as redis-benchmark's key:NNNNNNNNNNNN, plus the values).
/// </summary>
public sealed class FillBenchmark
{
    private const int KeySize = 16;

    private readonly int _sizeMB;
    private readonly int _valueSize;
    private readonly ModuleHost _host;

    public FillBenchmark(int sizeMB, int valueSize, ModuleHost host)
    {
        _sizeMB = sizeMB;
        _valueSize = valueSize;
        _host = host;
    }

    private long Requests => (long)_sizeMB * 1024 * 1024 / (KeySize + _valueSize);

    private double PayloadMB(long requests) => requests * (double)(KeySize + _valueSize) / (1024 * 1024);

    public List<ToolRun> Run()
    {
        var runs = new List<ToolRun>();
        using (var server = RedisServer.Start(new RedisServerOptions { Name = "bench-fill" }))
        {
            string endpoint = "127.0.0.1:" + server.Port;
            runs.Add(Fill("standalone", endpoint, server.Cli));
            runs.Add(Benchmark("standalone", server.Port, cluster: false, server.Cli));
            runs.Add(Pipe(server));
        }

        using (var cluster = RedisClusterProcesses.Start(3, 0))
        {
            string endpoint = "127.0.0.1:" + cluster.SeedPort;
            Action flush = () => cluster.Masters().ToList().ForEach(m => m.Cli("FLUSHALL"));
            runs.Add(Fill("cluster", endpoint, _ => { flush(); return string.Empty; }));
            flush();
            runs.Add(Benchmark("cluster", cluster.SeedPort, cluster: true, _ => { flush(); return string.Empty; }));
        }

        return runs;
    }

    private ToolRun Fill(string scenario, string endpoint, Func<string[], string> cli)
    {
        cli(new[] { "FLUSHALL" });
        var r = _host.Invoke($"$r = Start-RedisFill -Endpoint {endpoint} -SizeMB {_sizeMB} -KeySize {KeySize} -ValueSize {_valueSize} -Flush -Force -Verify:$false; "
            + "$r.Bytes; $r.Elapsed.TotalSeconds; $r.Connections; $r.Keys");
        return new ToolRun(scenario, "Start-RedisFill", (long)r[0]! / 1048576.0, (double)r[1]!,
            r[2] + " connections, " + ((long)r[3]!).ToString("N0", CultureInfo.InvariantCulture) + " keys");
    }

    private ToolRun Benchmark(string scenario, int port, bool cluster, Func<string[], string> cli)
    {
        cli(new[] { "FLUSHALL" });
        long requests = Requests;
        var args = new List<string> { "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-t", "set", "-d", _valueSize.ToString(CultureInfo.InvariantCulture),
            "-P", "64", "-r", requests.ToString(CultureInfo.InvariantCulture), "-n", requests.ToString(CultureInfo.InvariantCulture), "-c", "50", "-q" };
        if (cluster)
        {
            // With its default thread per primary, a --cluster run ends only at a 250 ms timer tick, so short
            // runs read slower than they were; one thread ends when the last reply arrives.
            args.AddRange(new[] { "--cluster", "--threads", "1" });
        }

        var (output, seconds) = ExternalTool.Run("redis-benchmark", args);

        // Its own figure (it excludes process start and connection setup): the fairer number for redis-benchmark.
        RedisBenchmarkSummary summary = RedisBenchmarkSummary.Parse(output, "SET");
        return new ToolRun(scenario, "redis-benchmark -P 64", PayloadMB(requests), requests / summary.RequestsPerSecond, summary.Line);
    }

    private ToolRun Pipe(RedisServer server)
    {
        server.Cli("FLUSHALL");
        long requests = Requests;
        string file = Path.Combine(Path.GetTempPath(), "rc-bench-pipe-" + Environment.ProcessId + ".resp");
        var value = new byte[_valueSize];
        new Random(1).NextBytes(value);
        using (var output = new BufferedStream(File.Create(file), 1 << 20))
        {
            byte[] head = Encoding.ASCII.GetBytes("*3\r\n$3\r\nSET\r\n$" + KeySize + "\r\n");
            byte[] mid = Encoding.ASCII.GetBytes("\r\n$" + _valueSize + "\r\n");
            byte[] end = Encoding.ASCII.GetBytes("\r\n");
            for (long i = 0; i < requests; i++)
            {
                output.Write(head);
                output.Write(Encoding.ASCII.GetBytes("key:" + i.ToString("D12", CultureInfo.InvariantCulture)));
                output.Write(mid);
                output.Write(value);
                output.Write(end);
            }
        }

        try
        {
            var (text, seconds) = ExternalTool.Run("redis-cli", new[] { "-h", "127.0.0.1", "-p", server.Port.ToString(CultureInfo.InvariantCulture), "--pipe" }, file);
            return new ToolRun("standalone", "redis-cli --pipe", PayloadMB(requests), seconds, text.Trim().Split('\n').Last().Trim());
        }
        finally
        {
            File.Delete(file);
        }
    }
}
