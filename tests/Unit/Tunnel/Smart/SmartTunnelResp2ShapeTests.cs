using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Tunnel;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Tunnel.Smart;

/// <summary>
/// The smart tunnel talks RESP3 to the cluster, but a RESP2 client must get the bytes Redis would send it:
/// null arrays, stream pairs and flat score lists that RESP3 shapes otherwise. The expected bytes below are
/// what redis-server 7.0.15 sends (checked with a raw socket).
/// </summary>
public sealed class SmartTunnelResp2ShapeTests : SmartTunnelTestBase, IClassFixture<SmartClusterFixture>
{
    private const string NullArray = "*-1\r\n";
    private const string NullBulk = "$-1\r\n";
    private const string Resp3Null = "_\r\n";

    public SmartTunnelResp2ShapeTests(SmartClusterFixture fixture)
        : base(fixture.Cluster)
    {
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

    /// <summary>
    /// Single-slot commands are relayed over connections that speak the client's protocol, so their replies
    /// are the server's own bytes: doubles in Redis's digits, RESP3 maps and doubles for RESP3 clients.
    /// </summary>
    [Theory]
    [InlineData(2, "$18\r\n1.1000000000000001\r\n", "*2\r\n$1\r\nm\r\n$18\r\n1.1000000000000001\r\n", "*2\r\n$1\r\na\r\n$1\r\n1\r\n")]
    [InlineData(3, ",1.1000000000000001\r\n", "*1\r\n*2\r\n$1\r\nm\r\n,1.1000000000000001\r\n", "%1\r\n$1\r\na\r\n$1\r\n1\r\n")]
    public void RelayedRepliesAreTheServersOwnBytes(int protocol, string score, string withScores, string hash)
    {
        string tag = "relay" + protocol;
        using var client = Connect(protocol);
        Assert.Equal(score, client.CallRaw("ZINCRBY", Key(tag, "zset"), "1.1", "m"));
        Assert.Equal(score, client.CallRaw("ZSCORE", Key(tag, "zset"), "m"));
        Assert.Equal(withScores, client.CallRaw("ZRANGE", Key(tag, "zset"), "0", "-1", "WITHSCORES"));
        Assert.Equal("$3\r\n0.1\r\n", client.CallRaw("INCRBYFLOAT", Key(tag, "float"), "0.1"));
        Assert.Equal(":1\r\n", client.CallRaw("HSET", Key(tag, "hash"), "a", "1"));
        Assert.Equal(hash, client.CallRaw("HGETALL", Key(tag, "hash")));
        Assert.Equal("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", client.CallRaw("SMEMBERS", Key(tag, "hash")));
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

    [Fact]
    public void StreamReadsArePairsOfStreamAndEntriesForResp2AndAMapForResp3()
    {
        string stream = Key("xread", "stream"), deleted = Key("xread", "deleted");
        using var resp2 = Connect(2);
        using var resp3 = Connect(3);
        Assert.Equal("$3\r\n1-1\r\n", resp2.CallRaw("XADD", stream, "1-1", "f", "v"));
        const string entries = "*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n";
        string name = "$" + stream.Length + "\r\n" + stream + "\r\n";
        Assert.Equal("*1\r\n*2\r\n" + name + entries, resp2.CallRaw("XREAD", "STREAMS", stream, "0"));
        Assert.Equal("%1\r\n" + name + entries, resp3.CallRaw("XREAD", "STREAMS", stream, "0"));

        // An entry deleted after delivery, read again from the pending list: its id with a nil list of fields.
        resp2.CallRaw("XADD", deleted, "1-1", "f", "v");
        resp2.CallRaw("XGROUP", "CREATE", deleted, "group", "0");
        resp2.CallRaw("XREADGROUP", "GROUP", "group", "consumer", "STREAMS", deleted, ">");
        resp2.CallRaw("XDEL", deleted, "1-1");
        string deletedName = "$" + deleted.Length + "\r\n" + deleted + "\r\n";
        Assert.Equal("*1\r\n*2\r\n" + deletedName + "*1\r\n*2\r\n$3\r\n1-1\r\n*-1\r\n",
            resp2.CallRaw("XREADGROUP", "GROUP", "group", "consumer", "STREAMS", deleted, "0"));
        Assert.Equal("%1\r\n" + deletedName + "*1\r\n*2\r\n$3\r\n1-1\r\n_\r\n",
            resp3.CallRaw("XREADGROUP", "GROUP", "group", "consumer", "STREAMS", deleted, "0"));
    }

    [Fact]
    public void ScoresAndValuesAreFlatForResp2AndPairsForResp3()
    {
        string zset = Key("scores", "zset"), hash = Key("scores", "hash");
        using var resp2 = Connect(2);
        using var resp3 = Connect(3);
        Assert.Equal(":2\r\n", resp2.CallRaw("ZADD", zset, "1", "a", "2.5", "b"));
        Assert.Equal(":1\r\n", resp2.CallRaw("HSET", hash, "f", "v"));
        const string flat = "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\n2.5\r\n";
        const string pairs = "*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n";
        Assert.Equal(flat, resp2.CallRaw("ZRANGE", zset, "0", "-1", "WITHSCORES"));
        Assert.Equal(pairs, resp3.CallRaw("ZRANGE", zset, "0", "-1", "WITHSCORES"));
        Assert.Equal(flat, resp2.CallRaw("ZUNION", "1", zset, "WITHSCORES"));
        Assert.Equal("*2\r\n$1\r\na\r\n$1\r\nb\r\n", resp2.CallRaw("ZRANGE", zset, "0", "-1"));
        Assert.Equal("*2\r\n$1\r\nf\r\n$1\r\nv\r\n", resp2.CallRaw("HRANDFIELD", hash, "1", "WITHVALUES"));
        Assert.Equal("*1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n", resp3.CallRaw("HRANDFIELD", hash, "1", "WITHVALUES"));

        // ZMPOP's pairs are pairs in RESP2 too; a count makes ZPOPMIN's reply pairs in RESP3 only.
        string name = "$" + zset.Length + "\r\n" + zset + "\r\n";
        Assert.Equal("*2\r\n" + name + "*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n", resp2.CallRaw("ZMPOP", "1", zset, "MIN"));
        Assert.Equal("*2\r\n$1\r\nb\r\n$3\r\n2.5\r\n", resp2.CallRaw("ZPOPMIN", zset, "1"));
    }

    [Fact]
    public void TransactionRepliesTakeTheRespTwoShapesOfTheirCommands()
    {
        string zset = Key("multishape", "zset");
        using var client = Connect(2);
        Assert.Equal(":1\r\n", client.CallRaw("ZADD", zset, "1", "a"));
        Assert.Equal("+OK\r\n", client.CallRaw("MULTI"));
        Assert.Equal("+QUEUED\r\n", client.CallRaw("ZRANGE", zset, "0", "-1", "WITHSCORES"));
        Assert.Equal("+QUEUED\r\n", client.CallRaw("XREAD", "STREAMS", Key("multishape", "stream"), "0"));
        Assert.Equal("*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*-1\r\n", client.CallRaw("EXEC"));
    }
}
