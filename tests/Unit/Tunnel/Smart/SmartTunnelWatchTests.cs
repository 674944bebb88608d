using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel;
using RedisCluster.Tests.Infrastructure;
using Xunit;
using RedisCluster.Tests.Tunnel.Relay;

namespace RedisCluster.Tests.Tunnel.Smart;

/// <summary>
/// WATCH through the smart tunnel: it pins the client to a connection of its own to the watched slot's
/// primary, where the transaction then runs, so EXEC answers as Redis does when a watched key changed.
/// </summary>
public sealed class SmartTunnelWatchTests : SmartTunnelTestBase, IClassFixture<SmartClusterFixture>
{
    // The tunnel's upstream connections carry this name, so the servers' CLIENT LIST counts this test's
    // connections only (a tunnel of an earlier test may still be closing its own).
    private readonly string _clientName = "smart-watch-" + Guid.NewGuid().ToString("N")[..8];

    public SmartTunnelWatchTests(SmartClusterFixture fixture)
        : base(fixture.Cluster)
    {
    }

    protected override ConnectionOptions Upstream()
    {
        ConnectionOptions connection = StandaloneTunnelTests.TlsAcl();
        connection.ClientName = _clientName;
        return connection;
    }

    /// <summary>This tunnel's connections to the primaries, as the servers list them.</summary>
    private int UpstreamConnections()
        => _cluster.Masters().Sum(m => m.Cli("CLIENT", "LIST").Split('\n').Count(line => line.Contains(" name=" + _clientName + " ", StringComparison.Ordinal)));

    /// <summary>Opens every shared connection (the pools open theirs lazily), then counts.</summary>
    private int SharedConnectionsOnly(RawRespClient client)
    {
        for (int i = 0; i < 60; i++)
        {
            client.Call("GET", "smart:watch:warm" + i);
        }

        return UpstreamConnections();
    }

    private async Task WaitForConnectionsAsync(int expected, string because)
    {
        int now = 0;
        Assert.True(
            await Poll.UntilAsync(() => Task.FromResult((now = UpstreamConnections()) == expected), Poll.Deadline),
            because + ": " + now + " upstream connections, expected " + expected);
    }

    /// <summary>A key that hashes to a different slot than <paramref name="key"/>.</summary>
    private static string OtherSlotKey(string key)
        => Enumerable.Range(0, 100).Select(i => "smart:watch:other" + i).First(k => HashSlot.GetSlot(k) != HashSlot.GetSlot(key));

    [Fact]
    public void WatchReadAndTransactionRunLikeOnOneServer()
    {
        using var client = RawRespClient.Connect(Port);
        const string key = "smart:watch:plain";
        Assert.Equal("OK", client.Call("SET", key, "v1").GetString());
        Assert.Equal("OK", client.Call("WATCH", key).GetString());
        Assert.Equal("v1", client.Call("GET", key).GetString());
        Assert.Equal("OK", client.Call("MULTI").GetString());
        Assert.Equal("QUEUED", client.Call("SET", key, "v2").GetString());
        Assert.Equal("QUEUED", client.Call("GET", key).GetString());
        RespValue exec = client.Call("EXEC");
        Assert.Equal(RespType.Array, exec.Type);
        Assert.Equal(new[] { "OK", "v2" }, exec.Items.Select(v => v.GetString()));
        Assert.Equal("v2", client.Call("GET", key).GetString());
    }

    [Fact]
    public void APipelinedWatchKeepsRepliesInOrderAcrossTheWatchedAndSharedConnections()
    {
        using var client = RawRespClient.Connect(Port);
        const string key = "{smart:watch:pipe}a";
        string elsewhere = OtherSlotKey(key);
        client.Call("DEL", key, "{smart:watch:pipe}b");
        client.Call("DEL", elsewhere);
        byte[] pipeline = new[]
        {
            RawRespClient.Encode("SET", key, "1"),
            RawRespClient.Encode("WATCH", key, "{smart:watch:pipe}b"),
            RawRespClient.Encode("INCR", key),
            RawRespClient.Encode("SET", elsewhere, "x"),
            RawRespClient.Encode("GET", key),
            RawRespClient.Encode("GET", elsewhere),
            RawRespClient.Encode("MULTI"),
            RawRespClient.Encode("INCR", key),
            RawRespClient.Encode("RPUSH", "{smart:watch:pipe}b", "item"),
            RawRespClient.Encode("EXEC"),
            RawRespClient.Encode("GET", key),
        }.SelectMany(b => b).ToArray();
        client.Send(pipeline);
        Assert.Equal("OK", client.Read().GetString());
        Assert.Equal("OK", client.Read().GetString());
        Assert.Equal(2, client.Read().Integer);
        Assert.Equal("OK", client.Read().GetString());
        Assert.Equal("2", client.Read().GetString());
        Assert.Equal("x", client.Read().GetString());
        Assert.Equal("OK", client.Read().GetString());
        Assert.Equal("QUEUED", client.Read().GetString());
        Assert.Equal("QUEUED", client.Read().GetString());

        // The client's own INCR after its WATCH counts as a change of the watched key, as on a server.
        Assert.True(client.Read().IsNull);
        Assert.Equal("2", client.Read().GetString());
    }

    [Fact]
    public void AChangeByAnotherClientMakesExecReturnNil()
    {
        using var client = RawRespClient.Connect(Port);
        using var other = RawRespClient.Connect(Port);
        const string key = "smart:watch:contended";
        Assert.Equal("OK", client.Call("SET", key, "v1").GetString());
        Assert.Equal("OK", client.Call("WATCH", key).GetString());
        Assert.Equal("v1", client.Call("GET", key).GetString());
        Assert.Equal("OK", other.Call("SET", key, "theirs").GetString());
        Assert.Equal("OK", client.Call("MULTI").GetString());
        Assert.Equal("QUEUED", client.Call("SET", key, "v3").GetString());
        RespValue exec = client.Call("EXEC");
        Assert.Equal(RespType.Array, exec.Type);
        Assert.True(exec.IsNull);
        Assert.Equal("theirs", client.Call("GET", key).GetString());

        // RESP3 clients get RESP3's null, and the next round of the optimistic loop succeeds.
        Assert.Equal(RespType.Map, client.Call("HELLO", "3").Type);
        Assert.Equal("OK", client.Call("WATCH", key).GetString());
        Assert.Equal("OK", other.Call("SET", key, "theirs again").GetString());
        client.Call("MULTI");
        client.Call("SET", key, "v4");
        Assert.Equal(RespType.Null, client.Call("EXEC").Type);
        Assert.Equal("OK", client.Call("WATCH", key).GetString());
        client.Call("MULTI");
        client.Call("SET", key, "v5");
        Assert.Equal("OK", Assert.Single(client.Call("EXEC").Items).GetString());
        Assert.Equal("v5", other.Call("GET", key).GetString());
    }

    [Fact]
    public async Task KeysOutsideTheWatchedSlotAreRefusedWithTheirSlots()
    {
        using var client = RawRespClient.Connect(Port);
        const string key = "smart:watch:slot-a";
        string other = OtherSlotKey(key);
        string slotA = HashSlot.GetSlot(key).ToString(System.Globalization.CultureInfo.InvariantCulture);
        string slotB = HashSlot.GetSlot(other).ToString(System.Globalization.CultureInfo.InvariantCulture);
        client.Call("DEL", other);
        int before = SharedConnectionsOnly(client);

        RespValue both = client.Call("WATCH", key, other);
        Assert.True(both.IsError);
        Assert.StartsWith("CROSSSLOT", both.GetString());
        Assert.Contains("'" + key + "' is in slot " + slotA, both.GetString());
        Assert.Contains("'" + other + "' is in slot " + slotB, both.GetString());
        Assert.Contains("hash tag", both.GetString());
        Assert.Equal(before, UpstreamConnections());

        // A later WATCH, or a queued command, must stay in the slot of the first WATCH.
        Assert.Equal("OK", client.Call("WATCH", key).GetString());
        await WaitForConnectionsAsync(before + 1, "WATCH pins a connection");
        RespValue second = client.Call("WATCH", other);
        Assert.True(second.IsError);
        Assert.Contains("WATCH holds slot " + slotA, second.GetString());

        // A blocking command waits on the client's own connection, which the WATCH holds for its slot.
        RespValue blockedElsewhere = client.Call("BLPOP", other, "1");
        Assert.True(blockedElsewhere.IsError);
        Assert.Contains("outside the watched slot (" + slotA + ")", blockedElsewhere.GetString());
        Assert.True(client.Call("BLPOP", key, "0.1").IsNull);
        Assert.Equal(before + 1, UpstreamConnections());

        Assert.Equal("OK", client.Call("MULTI").GetString());
        Assert.Equal("QUEUED", client.Call("SET", key, "mine").GetString());
        RespValue queued = client.Call("SET", other, "mine");
        Assert.True(queued.IsError);
        Assert.StartsWith("CROSSSLOT", queued.GetString());
        Assert.Contains("'" + other + "' is in slot " + slotB, queued.GetString());
        Assert.StartsWith("EXECABORT", client.Call("EXEC").GetString());
        Assert.True(client.Call("GET", other).IsNull);
        await WaitForConnectionsAsync(before, "EXECABORT ends the WATCH");
    }

    [Fact]
    public async Task EndingTheWatchInAnyWayReleasesItsConnection()
    {
        using var client = RawRespClient.Connect(Port);
        const string key = "smart:watch:release";
        int before = SharedConnectionsOnly(client);

        // Outside a WATCH, UNWATCH is a local no-op.
        Assert.Equal("OK", client.Call("UNWATCH").GetString());
        Assert.Equal(before, UpstreamConnections());

        var endings = new[]
        {
            new[] { "UNWATCH" },
            new[] { "MULTI", "DISCARD" },
            new[] { "MULTI", "EXEC" },
            new[] { "RESET" },
        };
        foreach (string[] ending in endings)
        {
            Assert.Equal("OK", client.Call("WATCH", key).GetString());
            await WaitForConnectionsAsync(before + 1, "WATCH before " + string.Join(' ', ending));
            foreach (string command in ending)
            {
                Assert.False(client.Call(command).IsError, command);
            }

            await WaitForConnectionsAsync(before, string.Join(' ', ending) + " ends the WATCH");
        }

        Assert.Equal("PONG", client.Call("PING").GetString());
    }

    [Fact]
    public async Task AClientThatHangsUpWhileWatchingReleasesItsConnection()
    {
        const string key = "smart:watch:abandoned";
        using var probe = RawRespClient.Connect(Port);
        int before = SharedConnectionsOnly(probe);
        using (var client = RawRespClient.Connect(Port))
        {
            Assert.Equal("OK", client.Call("WATCH", key).GetString());
            await WaitForConnectionsAsync(before + 1, "WATCH pins a connection");
        }

        await WaitForConnectionsAsync(before, "a client that left while watching");

        using (var client = RawRespClient.Connect(Port))
        {
            Assert.Equal("OK", client.Call("WATCH", key).GetString());
            Assert.Equal("OK", client.Call("MULTI").GetString());
            Assert.Equal("QUEUED", client.Call("SET", key, "never").GetString());
            await WaitForConnectionsAsync(before + 1, "WATCH and MULTI");
        }

        await WaitForConnectionsAsync(before, "a client that left inside MULTI");
        Assert.True(probe.Call("GET", key).IsNull);
    }

    /// <summary>Waits until the tunnel's statistics count the connections the servers list for it, and returns that count.</summary>
    private async Task<long> WaitForStatisticsToMatchServersAsync(string because)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            long counted = _tunnel!.Statistics.UpstreamConnections;
            int listed = UpstreamConnections();
            if (counted == listed)
            {
                return counted;
            }

            Assert.True(DateTime.UtcNow < deadline, because + ": the statistics count " + counted + " upstream connections, the servers list " + listed);
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task StatisticsCountTheSharedConnectionsAndAWatchConnection()
    {
        using var client = RawRespClient.Connect(Port);
        int shared = SharedConnectionsOnly(client);
        Assert.True(shared > 0, "the shared connections are open");
        Assert.Equal(shared, await WaitForStatisticsToMatchServersAsync("the router's and the relay's connections"));

        Assert.Equal("OK", client.Call("WATCH", "smart:watch:stats").GetString());
        await WaitForConnectionsAsync(shared + 1, "WATCH pins a connection");
        Assert.Equal(shared + 1, await WaitForStatisticsToMatchServersAsync("the WATCH connection"));

        Assert.Equal("OK", client.Call("UNWATCH").GetString());
        await WaitForConnectionsAsync(shared, "UNWATCH releases it");
        Assert.Equal(shared, await WaitForStatisticsToMatchServersAsync("the released WATCH connection"));
    }
}
