using System.Globalization;
using RedisCluster.Tests.Infrastructure;

namespace RedisCluster.Bench;

/// <summary>Measures SET against MSET batches per slot, and the effect of connections and batch size.</summary>
public sealed class FillShapes
{
    private readonly int _sizeMB;
    private readonly int _valueSize;
    private readonly ModuleHost _host;

    public FillShapes(int sizeMB, int valueSize, ModuleHost host)
    {
        _sizeMB = sizeMB;
        _valueSize = valueSize;
        _host = host;
    }

    public IEnumerable<string> Run()
    {
        using var server = RedisServer.Start(new RedisServerOptions { Name = "bench-shapes" });
        string endpoint = "127.0.0.1:" + server.Port;
        yield return $"{"shape",-6} {"conns",5} {"batch",6} {"MB/s",8} {"keys/s",10}";
        foreach (string shape in new[] { "Set", "MSet" })
        {
            foreach (int connections in new[] { 1, 2, 4, 8 })
            {
                foreach (int batch in new[] { 64, 256, 1024 })
                {
                    var r = _host.Invoke($"$r = Start-RedisFill -Endpoint {endpoint} -SizeMB {_sizeMB} -KeySize 16 -ValueSize {_valueSize} -Flush -Force -Verify:$false "
                        + $"-CommandShape {shape} -ConnectionsPerNode {connections} -BatchSize {batch}; $r.MBPerSecond; $r.KeysPerSecond");
                    yield return $"{shape,-6} {connections,5} {batch,6} {(double)r[0]!,8:0.0} {(double)r[1]!,10:N0}";
                }
            }
        }
    }
}
