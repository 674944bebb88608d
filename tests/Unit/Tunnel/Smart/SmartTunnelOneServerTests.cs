using System.Globalization;
using System.Text;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Protocol;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Tunnel.Smart;

/// <summary>
/// The smart tunnel answers like one Redis server where Redis's own test suite looks: INFO sums over the
/// primaries, CLIENT describes the application's own connection, protocol faults carry Redis's texts.
/// </summary>
public sealed class SmartTunnelOneServerTests : SmartTunnelTestBase, IClassFixture<SmartClusterFixture>
{
    public SmartTunnelOneServerTests(SmartClusterFixture fixture)
        : base(fixture.Cluster)
    {
    }

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>One key in each primary's slots, named with <paramref name="prefix"/>.</summary>
    internal static List<string> KeyOnEveryPrimary(string prefix)
    {
        var keys = new List<string>();
        var owners = new HashSet<int>();
        for (int i = 0; owners.Count < 3; i++)
        {
            string key = prefix + i.ToString(CultureInfo.InvariantCulture);
            if (owners.Add(HashSlot.GetSlot(key) * 3 / 16384))
            {
                keys.Add(key);
            }
        }

        return keys;
    }

    private static string Field(string info, string name)
    {
        foreach (string line in info.Split("\r\n"))
        {
            if (line.StartsWith(name + ":", StringComparison.Ordinal))
            {
                return line.Substring(name.Length + 1);
            }
        }

        return string.Empty;
    }

    [Fact]
    public void InfoSumsKeysCountersAndBlockedClientsOverThePrimaries()
    {
        using var client = RawRespClient.Connect(Port);
        Assert.Equal("OK", client.Call("FLUSHALL").GetString());
        List<string> keys = Enumerable.Range(0, 30).Select(i => "info:k" + i.ToString(CultureInfo.InvariantCulture)).ToList();
        foreach (string key in keys)
        {
            Assert.Equal("OK", client.Call("SET", key, "v").GetString());
        }

        string keyspace = client.Call("INFO", "keyspace").GetString()!;
        Assert.StartsWith("# Keyspace\r\ndb0:keys=30,expires=0,", keyspace);
        Assert.DoesNotContain("# Server", keyspace);

        string everything = client.Call("INFO", "everything").GetString()!;
        Assert.Contains("redis_mode:standalone", everything);
        Assert.Contains("cluster_enabled:0", everything);
        Assert.Contains("\r\n\r\n# Commandstats\r\n", everything);
        Assert.Matches("cmdstat_set:calls=(3[0-9]|[4-9][0-9]|[1-9][0-9]{2,}),", everything);
        Assert.Equal("1", Field(client.Call("INFO", "clients").GetString()!, "connected_clients"));

        // A client blocked on any primary is one of this server's blocked clients (Redis's test suite waits for it).
        List<string> spread = KeyOnEveryPrimary("info:list");
        using var blocked = RawRespClient.Connect(Port);
        blocked.Send("BLPOP", spread[2], "0");
        Assert.True(Poll.Until(() => Field(client.Call("INFO").GetString()!, "blocked_clients") == "1", Deadline), "blocked_clients never became 1");
        Assert.Equal("2", Field(client.Call("INFO", "clients").GetString()!, "connected_clients"));
        Assert.Equal(1, client.Call("LPUSH", spread[2], "x").Integer);
        Assert.Equal(new[] { spread[2], "x" }, blocked.Read().Items.Select(v => v.GetString()));
    }

    [Fact]
    public void ClientCommandsDescribeTheApplicationsOwnConnection()
    {
        using var client = RawRespClient.Connect(Port);
        using var other = RawRespClient.Connect(Port);
        Assert.Equal("ERR Client names cannot contain spaces, newlines or special characters.", client.Call("CLIENT", "SETNAME", "a b").GetString());
        Assert.Equal("OK", client.Call("CLIENT", "SETNAME", "app-one").GetString());
        Assert.Equal("app-one", client.Call("CLIENT", "GETNAME").GetString());
        long id = client.Call("CLIENT", "ID").Integer;
        long otherId = other.Call("CLIENT", "ID").Integer;
        Assert.NotEqual(id, otherId);

        string info = client.Call("CLIENT", "INFO").GetString()!;
        Assert.StartsWith("id=" + id.ToString(CultureInfo.InvariantCulture) + " addr=" + client.LocalAddress + " laddr=127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture) + " fd=", info);
        Assert.Contains(" name=app-one ", info);
        Assert.Contains(" cmd=client|info ", info);
        Assert.EndsWith(" resp=2\n", info);

        string[] list = client.Call("CLIENT", "LIST").GetString()!.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, list.Length);
        Assert.Contains(list, line => line.StartsWith("id=" + otherId.ToString(CultureInfo.InvariantCulture) + " addr=" + other.LocalAddress + " ", StringComparison.Ordinal));
        Assert.Equal("OK", client.Call("CLIENT", "NO-EVICT", "on").GetString());
        Assert.Contains(" flags=e ", client.Call("CLIENT", "INFO").GetString());

        // KILL closes tunnel sessions, as a server closes its clients.
        Assert.Equal(1, client.Call("CLIENT", "KILL", "ID", otherId.ToString(CultureInfo.InvariantCulture)).Integer);
        Assert.True(other.WaitClosed(Deadline), "the killed client's connection stayed open");
        Assert.Equal("ERR No such client", client.Call("CLIENT", "KILL", "127.0.0.1:1").GetString());
        Assert.Equal("OK", client.Call("CLIENT", "KILL", client.LocalAddress).GetString());
        Assert.True(client.WaitClosed(Deadline), "CLIENT KILL of its own address left the connection open");
    }

    [Fact]
    public void PingWithTooManyArgumentsIsAnArityError()
    {
        using var client = RawRespClient.Connect(Port);
        Assert.Equal("ERR wrong number of arguments for 'ping' command", client.Call("PING", "x", "y", "z").GetString());
        Assert.Equal("x", client.Call("PING", "x").GetString());
    }

    [Fact]
    public void ProtocolFaultsAndInlineCommandsAreReadLikeRedis()
    {
        using (var client = RawRespClient.Connect(Port))
        {
            // Redis ignores a negative count and an empty line.
            client.Send(Encoding.ASCII.GetBytes("*-10\r\n\r\n"));
            Assert.Equal("PONG", client.Call("PING").GetString());

            // Inline commands keep quoted blanks and escapes in one argument.
            client.Send(Encoding.ASCII.GetBytes("SET {inline}k \"a b\\x41\\n\"\r\nGET {inline}k\r\nSET {inline}e ''\r\nSTRLEN {inline}e\r\n"));
            Assert.Equal("OK", client.Read().GetString());
            Assert.Equal("a bA\n", client.Read().GetString());
            Assert.Equal("OK", client.Read().GetString());
            Assert.Equal(0, client.Read().Integer);
        }

        foreach (var (wire, error) in new[]
        {
            ("*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n", "ERR Protocol error: invalid bulk length"),
            ("*3000000000\r\n", "ERR Protocol error: invalid multibulk length"),
            ("*1\r\nfoo\r\n", "ERR Protocol error: expected '$', got 'f'"),
            ("set \"\"\"test-key\"\"\" test-value\r\nping\r\n", "ERR Protocol error: unbalanced quotes in request"),
        })
        {
            using var client = RawRespClient.Connect(Port);
            client.Send(Encoding.ASCII.GetBytes(wire));
            Assert.Equal(error, client.Read().GetString());
            Assert.True(client.WaitClosed(Deadline), wire + ": the connection stayed open");
        }
    }
    [Fact]
    public void RandomKeyFindsTheOnlyKeyOnWhicheverPrimaryItIs()
    {
        using var client = RawRespClient.Connect(Port);
        foreach (string key in KeyOnEveryPrimary("random:k"))
        {
            Assert.Equal("OK", client.Call("FLUSHALL").GetString());
            Assert.True(client.Call("RANDOMKEY").IsNull);
            Assert.Equal("OK", client.Call("SET", key, "v").GetString());
            for (int i = 0; i < 5; i++)
            {
                Assert.Equal(key, client.Call("RANDOMKEY").GetString());
            }
        }
    }

    [Fact]
    public void SlowlogIsOneLogHeldToItsMaximumLength()
    {
        using var client = RawRespClient.Connect(Port);
        try
        {
            Assert.Equal("OK", client.Call("CONFIG", "SET", "slowlog-log-slower-than", "0").GetString());
            Assert.Equal("OK", client.Call("CONFIG", "SET", "slowlog-max-len", "2").GetString());
            Assert.Equal("OK", client.Call("SLOWLOG", "RESET").GetString());
            foreach (string key in KeyOnEveryPrimary("slowlog:k"))
            {
                Assert.Equal("OK", client.Call("SET", key, "v").GetString());
            }

            Assert.Equal(2, client.Call("SLOWLOG", "LEN").Integer);
            Assert.Equal(2, client.Call("SLOWLOG", "GET").Items.Count);
            RespValue one = client.Call("SLOWLOG", "GET", "1");
            Assert.Single(one.Items);
            Assert.Equal(6, one.Items[0].Items.Count);
            Assert.Equal("ERR count should be greater than or equal to -1", client.Call("SLOWLOG", "GET", "-2").GetString());
        }
        finally
        {
            client.Call("CONFIG", "SET", "slowlog-log-slower-than", "10000");
            client.Call("CONFIG", "SET", "slowlog-max-len", "128");
        }
    }

    [Fact]
    public void AScriptRunOnOnePrimaryIsKnownToAll()
    {
        using var client = RawRespClient.Connect(Port);
        const string Sha = "a27e7e8a43702b7046d4f6a7ccf5b60cef6b9bd9";
        Assert.Equal("OK", client.Call("SCRIPT", "FLUSH").GetString());
        Assert.Equal(2, client.Call("EVAL", "return 1+1", "0").Integer);
        Assert.Equal(new long[] { 1, 0 }, client.Call("SCRIPT", "EXISTS", Sha, "a27e7e8a43702b7046d4f6a7ccf5b60cef6b9bda").Items.Select(v => v.Integer));
        foreach (string key in KeyOnEveryPrimary("script:k"))
        {
            Assert.Equal(2, client.Call("EVALSHA", Sha, "1", key).Integer);
        }
    }

    [Fact]
    public void FunctionStatsCountsTheFunctionsOnce()
    {
        using var client = RawRespClient.Connect(Port);
        Assert.Equal("OK", client.Call("FUNCTION", "FLUSH").GetString());
        client.Call("FUNCTION", "LOAD", "#!lua name=statslib\nredis.register_function('f1', function() return 1 end)\nredis.register_function('f2', function() return 1 end)");
        RespValue stats = client.Call("FUNCTION", "STATS");
        Assert.Equal(4, stats.Items.Count);
        Assert.Equal("running_script", stats.Items[0].GetString());
        Assert.True(stats.Items[1].IsNull);
        Assert.Equal("engines", stats.Items[2].GetString());
        RespValue lua = stats.Items[3].Items[1];
        Assert.Equal(new object[] { "libraries_count", 1L, "functions_count", 2L }, lua.Items.Select(v => v.Type == RespType.Integer ? (object)v.Integer : v.GetString()!));
        Assert.Equal("OK", client.Call("FUNCTION", "FLUSH").GetString());
    }
    [Fact]
    public void ClientUnblockWakesABlockedApplication()
    {
        using var client = RawRespClient.Connect(Port);
        using var blocked = RawRespClient.Connect(Port);
        string id = blocked.Call("CLIENT", "ID").Integer.ToString(CultureInfo.InvariantCulture);
        string key = KeyOnEveryPrimary("unblock:l")[1];
        foreach (string reason in new[] { "TIMEOUT", "ERROR" })
        {
            blocked.Send("BLPOP", key, "0");
            Assert.True(Poll.Until(() => client.Call("CLIENT", "LIST", "ID", id).GetString()!.Contains(" flags=b ", StringComparison.Ordinal), Deadline), "the client never showed as blocked");
            Assert.Equal(1, client.Call("CLIENT", "UNBLOCK", id, reason).Integer);
            RespValue woken = blocked.Read();
            if (reason == "TIMEOUT")
            {
                Assert.True(woken.IsNull);
            }
            else
            {
                Assert.Equal("UNBLOCKED client unblocked via CLIENT UNBLOCK", woken.GetString());
            }
        }

        Assert.Equal(0, client.Call("CLIENT", "UNBLOCK", id).Integer);
        Assert.Equal("ERR value is not an integer or out of range", client.Call("CLIENT", "UNBLOCK", "asd").GetString());
        Assert.Equal(1, client.Call("LPUSH", key, "x").Integer);
        Assert.Equal(new[] { key, "x" }, blocked.Call("BLPOP", key, "0").Items.Select(v => v.GetString()));
    }
    [Fact]
    public void KeyspaceNotificationsOfEveryPrimaryReachASubscriberOnce()
    {
        using var client = RawRespClient.Connect(Port);
        using var subscriber = RawRespClient.Connect(Port);
        Assert.Equal("OK", client.Call("CONFIG", "SET", "notify-keyspace-events", "KA").GetString());
        try
        {
            Assert.Equal(new object[] { "psubscribe", "*", 1L }, Flat(subscriber.Call("PSUBSCRIBE", "*")));
            List<string> keys = KeyOnEveryPrimary("events:k");
            foreach (string key in keys)
            {
                Assert.Equal("OK", client.Call("SET", key, "v").GetString());
                Assert.Equal(new object[] { "pmessage", "*", "__keyspace@0__:" + key, "set" }, Flat(subscriber.Read()));
            }

            // A PUBLISH reaches every node over the cluster bus, but the subscriber hears it once.
            client.Call("PUBLISH", "events:channel", "hello");
            Assert.Equal(new object[] { "pmessage", "*", "events:channel", "hello" }, Flat(subscriber.Read()));
            Assert.Equal(1, client.Call("DEL", keys[0]).Integer);
            Assert.Equal(new object[] { "pmessage", "*", "__keyspace@0__:" + keys[0], "del" }, Flat(subscriber.Read()));
        }
        finally
        {
            client.Call("CONFIG", "SET", "notify-keyspace-events", "");
        }
    }

    private static object[] Flat(RespValue frame)
        => frame.Items.Select(v => v.Type == RespType.Integer ? (object)v.Integer : v.GetString()!).ToArray();
}
