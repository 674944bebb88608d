using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Connections.EventLoop;
using RedisCluster.Engine.Tunnel;
using RedisCluster.Engine.Tunnel.Smart;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Tunnel.Smart;

/// <summary>SmartRelayLinks against a real server: a connection per event loop per node, and finding any open one.</summary>
[Collection(StandaloneCollection.Name)]
public sealed class SmartRelayLinksTests
{
    private readonly StandaloneFixture _fixture;

    public SmartRelayLinksTests(StandaloneFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public async Task EachLoopsClientsGetTheConnectionOnTheirLoop()
    {
        using var links = new SmartRelayLinks(Options(), new TunnelStatistics());
        var node = new RedisEndpoint("127.0.0.1", _fixture.Server.Port);
        int loops = Math.Max(1, SocketEventLoops.LoopCount);
        for (int slot = 0; slot < loops; slot++)
        {
            RedisConnection link = await links.OpenAsync(node, 2, slot, CancellationToken.None);
            Assert.Same(SocketEventLoops.LoopCount > 0 ? SocketEventLoops.At(slot) : null, link.Loop);
            Assert.True(links.TryGet(node, 2, slot, out RedisConnection? again));
            Assert.Same(link, again);
        }
    }

    [Fact]
    public async Task AnyOpenConnectionIsFoundWhateverLoopItIsOn()
    {
        // The blocking order asks a node through any relay connection already open; only one on the last loop is.
        using var links = new SmartRelayLinks(Options(), new TunnelStatistics());
        var node = new RedisEndpoint("127.0.0.1", _fixture.Server.Port);
        Assert.False(links.TryGetAny(node, out _));

        int last = Math.Max(1, SocketEventLoops.LoopCount) - 1;
        RedisConnection open = await links.OpenAsync(node, 3, last, CancellationToken.None);

        Assert.True(links.TryGetAny(node, out RedisConnection? found));
        Assert.Same(open, found);
        Assert.Equal("PONG", (await found!.ExecuteAsync(RedisCommand.Create("PING"))).GetString());
    }

    private static ConnectionOptions Options() => new ConnectionOptions { ConnectTimeout = TimeSpan.FromSeconds(5), CommandTimeout = TimeSpan.FromSeconds(5) };
}
