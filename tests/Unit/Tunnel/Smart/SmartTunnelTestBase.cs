using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Tunnel;
using RedisCluster.Tests.Infrastructure;
using Xunit;
using RedisCluster.Tests.Tunnel.Relay;

namespace RedisCluster.Tests.Tunnel.Smart;

/// <summary>A smart tunnel of its own for each test, in front of the test class's cluster.</summary>
public abstract class SmartTunnelTestBase : IAsyncLifetime
{
    protected readonly RedisClusterProcesses _cluster;
    protected RedisTunnel? _tunnel;

    protected SmartTunnelTestBase(RedisClusterProcesses cluster)
    {
        _cluster = cluster;
    }

    protected int Port => _tunnel!.Listeners[0].LocalPort;

    /// <summary>How long a test waits for the cluster to be healthy first (after a class killed nodes, longer).</summary>
    protected virtual TimeSpan HealthyWithin => TimeSpan.FromSeconds(30);

    /// <summary>How the tunnel reaches the cluster: TLS with an ACL user unless a class says otherwise.</summary>
    protected virtual ConnectionOptions Upstream() => StandaloneTunnelTests.TlsAcl();

    /// <summary>Options a class sets beyond the defaults (limits, for example).</summary>
    protected virtual void Configure(TunnelOptions options)
    {
    }

    public async Task InitializeAsync()
    {
        _cluster.WaitHealthy(HealthyWithin);
        var options = new TunnelOptions(new RedisEndpoint("127.0.0.1", _cluster.SeedPort), Upstream())
        {
            ListenPort = 0,
            DrainTimeout = TimeSpan.FromSeconds(2),
        };
        Configure(options);
        _tunnel = await RedisTunnel.StartAsync(options);
    }

    public async Task DisposeAsync()
    {
        if (_tunnel != null)
        {
            await _tunnel.StopAsync();
        }
    }
}
