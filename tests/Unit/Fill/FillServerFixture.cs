using RedisCluster.Tests.Infrastructure;

namespace RedisCluster.Tests.Fill;

/// <summary>Servers of the fill tests' own: fills flush and fill memory, which shared servers must not see.</summary>
public sealed class FillServerFixture : IDisposable
{
    private readonly Lazy<RedisServer> _tiny = new(() => RedisServer.Start(new RedisServerOptions
    {
        Name = "fill-tiny",
        ExtraConfig = new[] { "maxmemory 8mb", "maxmemory-policy noeviction" },
    }));

    private readonly Lazy<RedisServer> _stopTarget = new(() => RedisServer.Start(new RedisServerOptions { Name = "fill-stop" }));

    public FillServerFixture()
    {
        Server = RedisServer.Start(new RedisServerOptions { Name = "fill" });
        Cluster = RedisClusterProcesses.Start();
    }

    public RedisServer Server { get; }

    /// <summary>maxmemory 8 MB with noeviction: a fill of more than that must report a shortfall.</summary>
    public RedisServer Tiny => _tiny.Value;

    public RedisClusterProcesses Cluster { get; }

    /// <summary>
    /// For the Ctrl+C test alone: bytes already in the socket when a fill stops still land afterwards,
    /// which would disturb the counts of the next test on the same server.
    /// </summary>
    public RedisServer StopTarget => _stopTarget.Value;

    public void Dispose()
    {
        if (_stopTarget.IsValueCreated)
        {
            _stopTarget.Value.Dispose();
        }

        if (_tiny.IsValueCreated)
        {
            _tiny.Value.Dispose();
        }

        Server.Dispose();
        Cluster.Dispose();
    }
}
