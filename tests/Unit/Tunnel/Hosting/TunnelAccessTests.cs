using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Tunnel;
using RedisCluster.Tests.Infrastructure;
using Xunit;
using RedisCluster.Tests.Tunnel.Relay;

namespace RedisCluster.Tests.Tunnel.Hosting;

/// <summary>A standalone tunnel with a local client password and a deny list, against the TLS ACL server.</summary>
[Collection(StandaloneCollection.Name)]
public sealed class StandaloneTunnelAccessTests
{
    private readonly StandaloneFixture _redis;

    public StandaloneTunnelAccessTests(StandaloneFixture redis)
    {
        _redis = redis;
    }

    private async Task<RedisTunnel> StartAsync(Action<TunnelOptions> configure)
    {
        var options = new TunnelOptions(new RedisEndpoint("127.0.0.1", _redis.Server.TlsPort!.Value), StandaloneTunnelTests.TlsAcl())
        {
            Mode = TunnelMode.Standalone,
            ListenPort = 0,
            DrainTimeout = TimeSpan.FromSeconds(2),
        };
        configure(options);
        return await RedisTunnel.StartAsync(options);
    }

    [Fact]
    public async Task RequiresTheLocalPasswordFirst()
    {
        using RedisTunnel tunnel = await StartAsync(TunnelAccessChecks.Protect);
        Assert.True(tunnel.ClientAuthentication);
        TunnelAccessChecks.RequiresTheLocalPasswordFirst(tunnel.Listeners[0].LocalPort);
    }

    [Fact]
    public async Task RefusesDeniedCommandsAndCategories()
    {
        using RedisTunnel tunnel = await StartAsync(TunnelAccessChecks.Protect);
        Assert.Equal(new[] { "@admin", "APPEND", "client|kill" }, tunnel.DeniedCommands);
        TunnelAccessChecks.RefusesDeniedCommandsAndCategories(tunnel.Listeners[0].LocalPort);
    }

    [Fact]
    public async Task AnswersInPipelineOrder()
    {
        using RedisTunnel tunnel = await StartAsync(TunnelAccessChecks.Protect);
        TunnelAccessChecks.AnswersInPipelineOrder(tunnel.Listeners[0].LocalPort);
    }

    [Fact]
    public async Task ADeniedCommandInsideMultiAbortsTheTransaction()
    {
        using RedisTunnel tunnel = await StartAsync(TunnelAccessChecks.Protect);
        TunnelAccessChecks.ADeniedCommandInsideMultiAbortsTheTransaction(tunnel.Listeners[0].LocalPort);
    }

    [Fact]
    public async Task ADenyListWithoutAPasswordNeedsNoAuth()
    {
        using RedisTunnel tunnel = await StartAsync(o => o.DenyCommands = new List<string> { "CONFIG" });
        Assert.False(tunnel.ClientAuthentication);
        using var client = RawRespClient.Connect(tunnel.Listeners[0].LocalPort);
        Assert.Equal("OK", client.Call("SET", "tunnel:access:open", "1").GetString());
        Assert.Equal("NOPERM this user has no permissions to run the 'config' command", client.Call("CONFIG", "GET", "maxmemory").GetString());
    }

    [Theory]
    [InlineData("@nosuchcategory", "ACL category")]
    [InlineData("NOSUCHCOMMAND", "no such command")]
    [InlineData("CONFIG|NOSUCH", "no subcommand")]
    public async Task AnUnknownRuleFailsTheStart(string rule, string message)
    {
        var error = await Assert.ThrowsAsync<RedisConfigurationException>(() => StartAsync(o => o.DenyCommands = new List<string> { rule }));
        Assert.Contains(message, error.Message);
    }
}

/// <summary>Pinned and Smart tunnels with a local client password and a deny list, against the shared TLS cluster.</summary>
[Collection(TlsClusterCollection.Name)]
public sealed class ClusterTunnelAccessTests
{
    private readonly RedisClusterProcesses _cluster;

    public ClusterTunnelAccessTests(TlsClusterFixture fixture)
    {
        _cluster = fixture.Cluster;
    }

    private async Task<RedisTunnel> StartAsync(TunnelMode mode)
    {
        _cluster.WaitHealthy(TimeSpan.FromSeconds(30));
        var options = new TunnelOptions(new RedisEndpoint("127.0.0.1", _cluster.SeedPort), StandaloneTunnelTests.TlsAcl())
        {
            Mode = mode,
            ListenPort = 0,
            PortOffset = mode == TunnelMode.Pinned ? FreePorts.PickOffset(_cluster.Nodes.Select(n => n.ClientPort).ToArray()) : 0,
            DrainTimeout = TimeSpan.FromSeconds(2),
        };
        TunnelAccessChecks.Protect(options);
        return await RedisTunnel.StartAsync(options);
    }

    // In pinned mode: the listener of the node that owns the test keys' slot, so nothing is redirected.
    private static int PortFor(RedisTunnel tunnel, RedisClusterProcesses cluster)
    {
        if (tunnel.Mode == TunnelMode.Smart)
        {
            return tunnel.Listeners[0].LocalPort;
        }

        foreach (RedisServer master in cluster.Masters())
        {
            if (!master.Cli("EXISTS", "tunnel:access").Contains("MOVED", StringComparison.Ordinal))
            {
                return tunnel.Listeners.Single(l => l.Upstream.Port == master.ClientPort).LocalPort;
            }
        }

        throw new InvalidOperationException("No master serves the slot of tunnel:access.");
    }

    [Theory]
    [InlineData(TunnelMode.Pinned)]
    [InlineData(TunnelMode.Smart)]
    public Task RequiresTheLocalPasswordFirst(TunnelMode mode) => RunAsync(mode, TunnelAccessChecks.RequiresTheLocalPasswordFirst);

    [Theory]
    [InlineData(TunnelMode.Pinned)]
    [InlineData(TunnelMode.Smart)]
    public Task RefusesDeniedCommandsAndCategories(TunnelMode mode) => RunAsync(mode, TunnelAccessChecks.RefusesDeniedCommandsAndCategories);

    [Theory]
    [InlineData(TunnelMode.Pinned)]
    [InlineData(TunnelMode.Smart)]
    public Task AnswersInPipelineOrder(TunnelMode mode) => RunAsync(mode, TunnelAccessChecks.AnswersInPipelineOrder);

    [Fact]
    public Task ADeniedCommandInsideMultiAbortsAPinnedTransaction()
        => RunAsync(TunnelMode.Pinned, TunnelAccessChecks.ADeniedCommandInsideMultiAbortsTheTransaction);

    private async Task RunAsync(TunnelMode mode, Action<int> check)
    {
        RedisTunnel tunnel = await StartAsync(mode);
        try
        {
            check(PortFor(tunnel, _cluster));
        }
        finally
        {
            await tunnel.StopAsync();
        }
    }
}
