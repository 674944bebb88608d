using System.Globalization;
using RedisCluster.Engine.Protocol;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Tunnel.Smart;

/// <summary>
/// CLIENT TRACKING through the smart tunnel, as one Redis server gives it: the tunnel keeps the tracking table and
/// learns of changes from its own feeds on the primaries. Where a test says "no invalidation", it checks that the
/// next reply is the PING's: the tunnel hands on every invalidation of a finished write before a tracking client's
/// next reply, so one still owed would come first.
/// </summary>
public sealed class SmartTrackingTests : SmartTunnelTestBase, IClassFixture<SmartClusterFixture>
{
    public SmartTrackingTests(SmartClusterFixture fixture)
        : base(fixture.Cluster)
    {
    }

    [Fact]
    public void ARedirectedClientGetsTheInvalidationOfAKeyItReadAsAMessage()
    {
        string key = Unique("redir");
        using var redirect = RawRespClient.Connect(Port);
        using var tracker = RawRespClient.Connect(Port);
        using var writer = RawRespClient.Connect(Port);
        string id = Id(redirect);
        Assert.Equal(1, redirect.Call("SUBSCRIBE", "__redis__:invalidate").Items[2].Integer);

        Assert.Equal("OK", tracker.Call("CLIENT", "TRACKING", "on", "REDIRECT", id).GetString());
        writer.Call("SET", key, "1");
        writer.Call("SET", key + "{unread}", "1");
        tracker.Call("GET", key);
        writer.Call("INCR", key + "{unread}");
        writer.Call("INCR", key);

        RespValue message = redirect.Read();
        Assert.Equal(new[] { "message", "__redis__:invalidate" }, new[] { message.Items[0].GetString(), message.Items[1].GetString() });
        Assert.Equal(new[] { key }, Keys(message.Items[2]));

        // Invalidated once: the key left the table, so the next write is not news.
        writer.Call("INCR", key);
        Assert.Equal(id, tracker.Call("CLIENT", "GETREDIR").Integer.ToString(CultureInfo.InvariantCulture));
        Assert.Equal("pong", redirect.Call("PING").Items[0].GetString());
    }

    [Fact]
    public void AResp3ClientGetsItsOwnWritesInvalidationAfterTheReplyAndOthersBeforeItsNextReply()
    {
        string hash = Unique("hash");
        string other = Unique("other");
        using var tracker = Resp3(RawRespClient.Connect(Port));
        using var writer = RawRespClient.Connect(Port);
        Assert.Equal("OK", tracker.Call("CLIENT", "TRACKING", "on").GetString());

        tracker.Call("HSET", hash, "f", "1");
        tracker.Call("HGET", hash, "f");
        Assert.Equal(1, tracker.Call("HDEL", hash, "f").Integer);
        AssertInvalidated(tracker.Read(), hash);

        tracker.Call("GET", other);
        writer.Call("SET", other, "changed");
        AssertInvalidated(tracker.Call("PING"), other);
        Assert.Equal("PONG", tracker.Read().GetString());
    }

    [Fact]
    public void KeysOnEveryPrimaryAreWatchedWhereTheyLive()
    {
        List<string> keys = SmartTunnelOneServerTests.KeyOnEveryPrimary(Unique("spread"));
        using var tracker = Resp3(RawRespClient.Connect(Port));
        using var writer = RawRespClient.Connect(Port);
        tracker.Call("CLIENT", "TRACKING", "on");
        foreach (string key in keys)
        {
            tracker.Call("GET", key);
        }

        foreach (string key in keys)
        {
            writer.Call("SET", key, "v");
        }

        var invalidated = new HashSet<string>();
        for (int i = 0; i < keys.Count; i++)
        {
            RespValue push = tracker.Read();
            Assert.Equal(RespType.Push, push.Type);
            invalidated.UnionWith(Keys(push.Items[1]));
        }

        Assert.Equal(keys.ToHashSet(), invalidated);
        Assert.Equal("PONG", tracker.Call("PING").GetString());
    }

    [Fact]
    public void NoLoopHidesTheClientsOwnWritesInBothModes()
    {
        string mine = Unique("mine");
        string theirs = Unique("theirs");
        using var tracker = Resp3(RawRespClient.Connect(Port));
        using var writer = RawRespClient.Connect(Port);

        tracker.Call("CLIENT", "TRACKING", "on", "NOLOOP");
        tracker.Call("MGET", mine, theirs);
        tracker.Call("SET", mine, "1");
        writer.Call("SET", theirs, "1");
        AssertInvalidated(tracker.Call("PING"), theirs);
        Assert.Equal("PONG", tracker.Read().GetString());

        tracker.Call("CLIENT", "TRACKING", "off");
        tracker.Call("CLIENT", "TRACKING", "on", "BCAST", "NOLOOP", "PREFIX", mine, "PREFIX", theirs);
        tracker.Call("SET", mine, "2");
        writer.Call("SET", theirs, "2");
        AssertInvalidated(tracker.Call("PING"), theirs);
        Assert.Equal("PONG", tracker.Read().GetString());
    }

    [Fact]
    public void BroadcastSendsEveryKeyUnderThePrefixesAndRefusesOverlappingOnes()
    {
        string prefix = Unique("bc") + ":";
        using var tracker = Resp3(RawRespClient.Connect(Port));
        using var writer = RawRespClient.Connect(Port);
        Assert.Equal("OK", tracker.Call("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", prefix + "a", "PREFIX", prefix + "b").GetString());
        Assert.Equal("ERR Prefix '" + prefix + "ab' overlaps with an existing prefix '" + prefix + "a'. Prefixes for a single client must not overlap.",
            tracker.Call("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", prefix + "ab").GetString());
        Assert.StartsWith("ERR You can't switch BCAST mode", tracker.Call("CLIENT", "TRACKING", "on").GetString());

        writer.Call("SET", prefix + "c1", "never read, not under a prefix");
        writer.Call("SET", prefix + "a1", "never read");
        AssertInvalidated(tracker.Call("PING"), prefix + "a1");
        Assert.Equal("PONG", tracker.Read().GetString());

        RespValue info = tracker.Call("CLIENT", "TRACKINGINFO");
        Assert.Equal(new[] { "on", "bcast" }, info.Items[1].Items.Select(i => i.GetString()).ToArray());
        Assert.Equal(new[] { prefix + "a", prefix + "b" }, info.Items[5].Items.Select(i => i.GetString()).OrderBy(p => p, StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void OptInTracksOnlyAfterCachingYes()
    {
        string skipped = Unique("optin-no");
        string cached = Unique("optin-yes");
        using var tracker = Resp3(RawRespClient.Connect(Port));
        using var writer = RawRespClient.Connect(Port);
        tracker.Call("CLIENT", "TRACKING", "on", "OPTIN");
        Assert.StartsWith("ERR CLIENT CACHING NO is only valid", tracker.Call("CLIENT", "CACHING", "no").GetString());

        tracker.Call("GET", skipped);
        Assert.Equal("OK", tracker.Call("CLIENT", "CACHING", "yes").GetString());
        tracker.Call("GET", cached);
        writer.Call("SET", skipped, "1");
        writer.Call("SET", cached, "1");
        AssertInvalidated(tracker.Call("PING"), cached);
        Assert.Equal("PONG", tracker.Read().GetString());
    }

    [Fact]
    public void AScriptIsTrackedOnlyWhenItReads()
    {
        string tag = "{" + Unique("script") + "}";
        using var tracker = Resp3(RawRespClient.Connect(Port));
        using var writer = RawRespClient.Connect(Port);
        tracker.Call("CLIENT", "TRACKING", "on");

        tracker.Call("EVAL", "redis.call('set', KEYS[2] .. 'x', 'bar')", "2", "k1" + tag, "k2" + tag);
        writer.Call("MSET", "k1" + tag, "1", "k2" + tag, "1");
        Assert.Equal("PONG", tracker.Call("PING").GetString());

        tracker.Call("EVAL", "return redis.call('get', KEYS[1])", "2", "k1" + tag, "k2" + tag);
        writer.Call("MSET", "k2" + tag, "2", "k1" + tag, "2");
        AssertInvalidated(tracker.Read(), "k2" + tag);
        AssertInvalidated(tracker.Read(), "k1" + tag);
        Assert.Equal("PONG", tracker.Call("PING").GetString());
    }

    [Fact]
    public void AFlushOfEveryPrimaryIsOneNullInvalidation()
    {
        using var tracker = Resp3(RawRespClient.Connect(Port));
        using var writer = RawRespClient.Connect(Port);
        tracker.Call("CLIENT", "TRACKING", "on");
        List<string> keys = SmartTunnelOneServerTests.KeyOnEveryPrimary(Unique("flush"));
        foreach (string key in keys)
        {
            tracker.Call("GET", key);
        }

        // A script's reads are tracked on a connection of the client's own, whose node also sends a null on the flush.
        tracker.Call("EVAL", "return redis.call('get', KEYS[1])", "1", keys[0]);

        Assert.Equal("OK", writer.Call("FLUSHALL").GetString());
        RespValue push = tracker.Read();
        Assert.Equal("invalidate", push.Items[0].GetString());
        Assert.True(push.Items[1].IsNull);
        Assert.Equal("PONG", tracker.Call("PING").GetString());
        Assert.Equal("0", Info(tracker, "tracking_total_keys"));
    }

    [Fact]
    public void TheTrackingTableIsHeldToItsLimitAndInfoDescribesIt()
    {
        string a = Unique("limit-a");
        string b = Unique("limit-b");
        using var tracker = Resp3(RawRespClient.Connect(Port));
        tracker.Call("CLIENT", "TRACKING", "on");
        tracker.Call("GET", a);
        tracker.Call("GET", b);
        Assert.Equal("1", Info(tracker, "tracking_clients"));
        Assert.Equal("2", Info(tracker, "tracking_total_keys"));

        Assert.Equal("OK", tracker.Call("CONFIG", "SET", "tracking-table-max-keys", "1").GetString());
        RespValue evicted = tracker.Read();
        Assert.Equal(RespType.Push, evicted.Type);
        Assert.Contains(Keys(evicted.Items[1]).Single(), new[] { a, b });
        Assert.Equal("1", Info(tracker, "tracking_total_keys"));
        RespValue limit = tracker.Call("CONFIG", "GET", "tracking-table-max-keys");
        Assert.Equal("1", limit.Items[1].GetString());
        Assert.StartsWith("ERR CONFIG SET failed", tracker.Call("CONFIG", "SET", "tracking-table-max-keys", "many").GetString());
    }

    [Fact]
    public void ARedirectToAClientThatLeftIsReportedBroken()
    {
        string key = Unique("broken");
        using var tracker = Resp3(RawRespClient.Connect(Port));
        using var writer = RawRespClient.Connect(Port);
        Assert.Equal("ERR The client ID you want redirect to does not exist", tracker.Call("CLIENT", "TRACKING", "on", "REDIRECT", "987654321").GetString());

        string id;
        using (var redirect = RawRespClient.Connect(Port))
        {
            id = Id(redirect);
            tracker.Call("CLIENT", "TRACKING", "on", "REDIRECT", id);
            tracker.Call("GET", key);
            Assert.Equal("OK", redirect.Call("QUIT").GetString());
        }

        writer.Call("SET", key, "1");
        RespValue broken = tracker.Call("PING");
        Assert.Equal(new[] { "tracking-redir-broken", id }, new[] { broken.Items[0].GetString(), broken.Items[1].Integer.ToString(CultureInfo.InvariantCulture) });
        Assert.Equal("PONG", tracker.Read().GetString());
        RespValue info = tracker.Call("CLIENT", "TRACKINGINFO");
        Assert.Contains("broken_redirect", info.Items[1].Items.Select(i => i.GetString()));
        Assert.Contains(" flags=tR ", tracker.Call("CLIENT", "INFO").GetString());
    }

    [Fact]
    public void AFlushInsideMultiIsRefusedRatherThanEmptyingOnePrimary()
    {
        List<string> keys = SmartTunnelOneServerTests.KeyOnEveryPrimary(Unique("multi-flush"));
        using var client = RawRespClient.Connect(Port);
        foreach (string key in keys)
        {
            client.Call("SET", key, "kept");
        }

        foreach (string flush in new[] { "FLUSHALL", "FLUSHDB" })
        {
            client.Call("MULTI");
            Assert.Equal("ERR " + flush + " inside MULTI is not supported through the smart tunnel: it must run on every primary, and a transaction runs on one",
                client.Call(flush).GetString());
            Assert.StartsWith("EXECABORT", client.Call("EXEC").GetString());
        }

        Assert.All(keys, key => Assert.Equal("kept", client.Call("GET", key).GetString()));
    }

    [Fact]
    public void TrackingCommandsAreRefusedInsideMulti()
    {
        using var client = RawRespClient.Connect(Port);
        client.Call("MULTI");
        Assert.StartsWith("ERR CLIENT TRACKING inside MULTI is not supported", client.Call("CLIENT", "TRACKING", "on").GetString());
        Assert.StartsWith("EXECABORT", client.Call("EXEC").GetString());
        Assert.Equal("off", client.Call("CLIENT", "TRACKINGINFO").Items[1].Items[0].GetString());
    }

    private static string Unique(string what) => "tracking:" + what + ":" + Guid.NewGuid().ToString("N");

    private static string Id(RawRespClient client) => client.Call("CLIENT", "ID").Integer.ToString(CultureInfo.InvariantCulture);

    private static RawRespClient Resp3(RawRespClient client)
    {
        Assert.Equal(3, client.Call("HELLO", "3").AsPairs().First(p => p.Key == "proto").Value.Integer);
        return client;
    }

    private static string[] Keys(RespValue keys) => keys.Items.Select(k => k.GetString()!).ToArray();

    private static void AssertInvalidated(RespValue push, string key)
    {
        Assert.Equal(RespType.Push, push.Type);
        Assert.Equal("invalidate", push.Items[0].GetString());
        Assert.Equal(new[] { key }, Keys(push.Items[1]));
    }

    private static string Info(RawRespClient client, string field)
    {
        string text = client.Call("INFO").GetString()!;
        string line = text.Split("\r\n").Single(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return line.Substring(field.Length + 1);
    }
}
