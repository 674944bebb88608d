using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Tunnel;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Tunnel;

/// <summary>
/// The smart tunnel talks RESP3 to the cluster, but a RESP2 client must get the bytes Redis would send it.
/// The expected bytes below are what redis-server 7.0.15 sends to a RESP2 client (checked with a raw socket).
/// </summary>
public sealed class SmartTunnelResp2ShapeTests : IClassFixture<SmartClusterFixture>, IAsyncLifetime
{
    private const string NullArray = "*-1\r\n";
    private const string NullBulk = "$-1\r\n";
    private const string Resp3Null = "_\r\n";

    private readonly RedisClusterProcesses _cluster;
    private RedisTunnel? _tunnel;

    public SmartTunnelResp2ShapeTests(SmartClusterFixture fixture)
    {
        _cluster = fixture.Cluster;
    }

    private int Port => _tunnel!.Listeners[0].LocalPort;

    public async Task InitializeAsync()
    {
        _cluster.WaitHealthy(TimeSpan.FromSeconds(30));
        var options = new TunnelOptions(new RedisEndpoint("127.0.0.1", _cluster.SeedPort), StandaloneTunnelTests.TlsAcl())
        {
            ListenPort = 0,
            DrainTimeout = TimeSpan.FromSeconds(2),
        };
        _tunnel = await RedisTunnel.StartAsync(options);
    }

    public async Task DisposeAsync()
    {
        if (_tunnel != null)
        {
            await _tunnel.StopAsync();
        }
    }

    private RawRespClient Connect(int protocol)
    {
        var client = RawRespClient.Connect(Port);
        if (protocol == 3)
        {
            client.Call("HELLO", "3");
        }

        return client;
    }

    /// <summary>Keys of one test in one slot, none of them existing yet.</summary>
    private static string Key(string tag, string name) => "{resp2:" + tag + "}" + name;

    [Theory]
    [InlineData(2, NullArray, NullBulk)]
    [InlineData(3, Resp3Null, Resp3Null)]
    public void TimedOutAndEmptyListReadsAreNullArraysAndMissingStringsNullBulkStrings(int protocol, string nullArray, string nullBulk)
    {
        string tag = "reads" + protocol;
        using var client = Connect(protocol);
        Assert.Equal(nullArray, client.CallRaw("BLPOP", Key(tag, "list"), "0.1"));
        Assert.Equal(nullArray, client.CallRaw("BLMOVE", Key(tag, "list"), Key(tag, "to"), "LEFT", "RIGHT", "0.1"));
        Assert.Equal(nullArray, client.CallRaw("XREAD", "BLOCK", "100", "STREAMS", Key(tag, "stream"), "$"));
        Assert.Equal(nullArray, client.CallRaw("XREAD", "STREAMS", Key(tag, "stream"), "0"));
        Assert.Equal(nullArray, client.CallRaw("LMPOP", "1", Key(tag, "list"), "LEFT"));
        Assert.Equal(nullArray, client.CallRaw("ZMPOP", "1", Key(tag, "zset"), "MIN"));
        Assert.Equal(nullArray, client.CallRaw("LPOP", Key(tag, "list"), "2"));
        Assert.Equal(nullBulk, client.CallRaw("LPOP", Key(tag, "list")));
        Assert.Equal(nullBulk, client.CallRaw("GET", Key(tag, "string")));
        Assert.Equal("*2\r\n" + nullBulk + nullBulk, client.CallRaw("MGET", Key(tag, "string"), Key(tag, "other")));
    }

    [Theory]
    [InlineData(2, NullArray, NullBulk)]
    [InlineData(3, Resp3Null, Resp3Null)]
    public void NestedNullsKeepTheirShapes(int protocol, string nullArray, string nullBulk)
    {
        string tag = "nested" + protocol;
        using var client = Connect(protocol);
        Assert.Equal(":1\r\n", client.CallRaw("GEOADD", Key(tag, "geo"), "13.361389", "38.115556", "Palermo"));
        string position = client.CallRaw("GEOPOS", Key(tag, "geo"), "Palermo", "Atlantis");
        Assert.StartsWith("*2\r\n*2\r\n", position);
        Assert.EndsWith("\r\n" + nullArray, position);

        client.CallRaw("XGROUP", "CREATE", Key(tag, "stream"), "group", "$", "MKSTREAM");
        Assert.Equal("*4\r\n:0\r\n" + nullBulk + nullBulk + nullArray, client.CallRaw("XPENDING", Key(tag, "stream"), "group"));
    }

    [Theory]
    [InlineData(2, NullArray, NullBulk)]
    [InlineData(3, Resp3Null, Resp3Null)]
    public void TransactionRepliesTakeTheShapesOfTheirCommands(int protocol, string nullArray, string nullBulk)
    {
        string tag = "multi" + protocol;
        using var client = Connect(protocol);
        Assert.Equal("+OK\r\n", client.CallRaw("MULTI"));
        Assert.Equal("+QUEUED\r\n", client.CallRaw("BLPOP", Key(tag, "list"), "1"));
        Assert.Equal("+QUEUED\r\n", client.CallRaw("LPOP", Key(tag, "list"), "2"));
        Assert.Equal("+QUEUED\r\n", client.CallRaw("GET", Key(tag, "string")));

        // Unlike its timeout, BLMOVE inside MULTI answers a null bulk string, as LMOVE does.
        Assert.Equal("+QUEUED\r\n", client.CallRaw("BLMOVE", Key(tag, "list"), Key(tag, "to"), "LEFT", "RIGHT", "1"));
        Assert.Equal("*4\r\n" + nullArray + nullArray + nullBulk + nullBulk, client.CallRaw("EXEC"));
    }

    [Theory]
    [InlineData(2, NullArray)]
    [InlineData(3, Resp3Null)]
    public void ATrippedWatchIsANullArray(int protocol, string nullArray)
    {
        string key = Key("watch" + protocol, "balance");
        using var client = Connect(protocol);
        using var other = Connect(2);
        Assert.Equal("+OK\r\n", client.CallRaw("WATCH", key));
        Assert.Equal("+OK\r\n", other.CallRaw("SET", key, "changed"));
        Assert.Equal("+OK\r\n", client.CallRaw("MULTI"));
        Assert.Equal("+QUEUED\r\n", client.CallRaw("SET", key, "mine"));
        Assert.Equal(nullArray, client.CallRaw("EXEC"));
    }
}
