using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Connections.EventLoop;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Connections;

/// <summary>ConnectionPool against a real server: slots, and the loop each slot's connection is on when the pool says.</summary>
[Collection(StandaloneCollection.Name)]
public sealed class ConnectionPoolTests
{
    private readonly StandaloneFixture _fixture;

    public ConnectionPoolTests(StandaloneFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public async Task EachSlotConnectsOnTheLoopGivenForIt()
    {
        // Loops of the test's own, so that the check does not depend on how many processors the machine has.
        SocketEventLoop[] loops = { SocketEventLoop.Start("pool test loop 1"), SocketEventLoop.Start("pool test loop 2") };
        var connector = new TransportConnector(Options());
        using var pool = new ConnectionPool(new RedisEndpoint("127.0.0.1", _fixture.Server.Port), connector, 2, slot => loops[1 - slot]);

        RedisConnection first = await pool.GetAsync(0, CancellationToken.None);
        RedisConnection second = await pool.GetAsync(1, CancellationToken.None);

        Assert.Same(loops[1], first.Loop);
        Assert.Same(loops[0], second.Loop);
        Assert.Equal("PONG", (await second.ExecuteAsync(RedisCommand.Create("PING"))).GetString());
        Assert.True(pool.TryGetOpen(0, out RedisConnection? again));
        Assert.Same(first, again);
    }

    [Fact]
    public async Task WithoutLoopsGivenTheConnectorDecides()
    {
        var connector = new TransportConnector(Options());
        using var pool = new ConnectionPool(new RedisEndpoint("127.0.0.1", _fixture.Server.Port), connector, 1);

        // Not on the loops: the connector was not told to use them.
        RedisConnection connection = await pool.GetAsync(0, CancellationToken.None);
        Assert.Null(connection.Loop);
        Assert.Equal("PONG", (await connection.ExecuteAsync(RedisCommand.Create("PING"))).GetString());
    }

    private static ConnectionOptions Options() => new ConnectionOptions { ConnectTimeout = TimeSpan.FromSeconds(5), CommandTimeout = TimeSpan.FromSeconds(5) };
}
