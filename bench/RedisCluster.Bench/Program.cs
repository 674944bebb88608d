using System.Globalization;
using RedisCluster.Bench;

// Usage: dotnet run --project bench/RedisCluster.Bench -c Release -- fill [sizeMB] [valueSize] | fill-shapes [sizeMB] [valueSize] | smart [requests] | tunnel-soak [inputs] [idle] [modes, comma-separated] | tunnel-idle [clients]
string what = args.Length > 0 ? args[0] : "fill";
if (what != "fill" && what != "fill-shapes" && what != "smart" && what != "tunnel-soak" && what != "tunnel-idle")
{
    Console.Error.WriteLine("usage: RedisCluster.Bench fill|fill-shapes [sizeMB=256] [valueSize=512] | smart [requests=200000] | tunnel-soak [inputs=100000] [idle=5000] [modes=Standalone,Pinned,Smart] | tunnel-idle [clients=1000]");
    return 2;
}

if (what == "tunnel-idle")
{
    int clients = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1000;
    foreach (string line in new TunnelIdleClients(clients).Run())
    {
        Console.WriteLine(line);
    }

    return 0;
}

if (what == "tunnel-soak")
{
    int inputs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100000;
    int idle = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5000;
    string[] modes = (args.Length > 3 ? args[3] : "Standalone,Pinned,Smart").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    foreach (string line in new TunnelSoak(inputs, idle, modes).Run())
    {
        Console.WriteLine(line);
    }

    return 0;
}

int sizeMB = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 256;
int valueSize = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 512;
string root = AppContext.BaseDirectory;
while (!File.Exists(Path.Combine(root, "RedisCluster.slnx")))
{
    root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("repository root not found");
}

using var host = new ModuleHost(Path.Combine(root, "out", "RedisCluster", "RedisCluster.psd1"));
if (what == "smart")
{
    int requests = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200000;
    Console.WriteLine($"Smart tunnel: 3-primary clusters (plaintext, then TLS with an ACL user), {requests} requests per test, "
        + $"{SmartTunnelBenchmark.Clients} clients, {SmartTunnelBenchmark.ValueSize}-byte values, -r {SmartTunnelBenchmark.Keyspace}, {Environment.ProcessorCount} cores");
    Console.WriteLine();
    foreach (var line in new SmartTunnelBenchmark(requests, host).Run())
    {
        Console.WriteLine(line);
    }

    return 0;
}

if (what == "fill-shapes")
{
    // Tuning: command shape, connections and batch size against one standalone server, same run.
    Console.WriteLine($"Fill shapes: {sizeMB} MB, 16-byte keys, {valueSize}-byte values");
    foreach (var line in new FillShapes(sizeMB, valueSize, host).Run())
    {
        Console.WriteLine(line);
    }

    return 0;
}

Console.WriteLine($"Fill benchmark: {sizeMB} MB of payload, 16-byte keys, {valueSize}-byte values, {Environment.ProcessorCount} cores");
var runs = new FillBenchmark(sizeMB, valueSize, host).Run();
Console.WriteLine();
Console.WriteLine($"{"scenario",-11} {"tool",-22} {"MB",8} {"seconds",8} {"MB/s",8} {"ratio",7}  detail");
foreach (var group in runs.GroupBy(r => r.Scenario))
{
    double ours = group.First(r => r.Tool == "Start-RedisFill").MBPerSecond;
    foreach (var run in group)
    {
        string ratio = run.Tool == "Start-RedisFill" ? "1.00" : (ours / run.MBPerSecond).ToString("0.00", CultureInfo.InvariantCulture);
        Console.WriteLine($"{run.Scenario,-11} {run.Tool,-22} {run.PayloadMB,8:0.0} {run.Seconds,8:0.00} {run.MBPerSecond,8:0.0} {ratio,7}  {run.Detail}");
    }
}

Console.WriteLine();
Console.WriteLine("ratio = Start-RedisFill MB/s divided by the tool's MB/s on the same server in this run (above 1: the fill is faster).");
return 0;
