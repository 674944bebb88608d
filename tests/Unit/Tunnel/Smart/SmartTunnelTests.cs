using System.Globalization;
using System.Text;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel;
using RedisCluster.Tests.Infrastructure;
using Xunit;
using RedisCluster.Tests.Tunnel.Relay;

namespace RedisCluster.Tests.Tunnel.Smart;

/// <summary>
/// Smart mode against a real TLS cluster with ACL auth: plain clients (a raw RESP socket, redis-cli without
/// -c) see one standalone server on one port.
/// </summary>
public sealed class SmartTunnelTests : SmartTunnelTestBase, IClassFixture<SmartClusterFixture>
{
    public SmartTunnelTests(SmartClusterFixture fixture)
        : base(fixture.Cluster)
    {
    }

    // Small enough to test the limit without sending megabytes.
    protected override void Configure(TunnelOptions options) => options.ClientLimits = new RespLimits { MaxBulkLength = 64 * 1024 };

    private string Cli(params string[] args)
        => RedisCliRunner.RunChecked(new[] { "-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture) }.Concat(args), RedisCliRunner.DefaultTimeout);

    /// <summary>One key per slot range of every primary: keys whose slots are spread over the whole slot space.</summary>
    private static List<string> SpreadKeys(string prefix, int count)
        => Enumerable.Range(0, count).Select(i => prefix + i.ToString(CultureInfo.InvariantCulture)).ToList();

    [Fact]
    public void IsTheDefaultForAClusterWithOneListener()
    {
        Assert.Equal(TunnelMode.Smart, _tunnel!.Mode);
        Assert.Single(_tunnel.Listeners);
    }

    [Fact]
    public void PipelinedSetAndGetReachEverySlotOwner()
    {
        List<string> keys = SpreadKeys("smart:sg:", 2000);
        Assert.True(keys.Select(k => HashSlot.GetSlot(k) * 3 / 16384).Distinct().Count() == 3, "keys cover the three slot thirds");
        using var client = RawRespClient.Connect(Port);
        var batch = new List<byte>();
        foreach (string key in keys)
        {
            batch.AddRange(RawRespClient.Encode("SET", key, "v-" + key));
        }

        foreach (string key in keys)
        {
            batch.AddRange(RawRespClient.Encode("GET", key));
        }

        client.Send(batch.ToArray());
        foreach (string key in keys)
        {
            Assert.Equal("OK", client.Read().GetString());
        }

        foreach (string key in keys)
        {
            Assert.Equal("v-" + key, client.Read().GetString());
        }
    }

    [Fact]
    public void RedisCliWithoutClusterModeWorksAcrossTheCluster()
    {
        foreach (string key in SpreadKeys("smart:cli:", 12))
        {
            Assert.Equal("OK", Cli("SET", key, "x" + key));
            Assert.Equal("x" + key, Cli("GET", key));
        }

        Assert.Equal("OK", Cli("MSET", "smart:cli:a", "1", "smart:cli:b", "2", "smart:cli:c", "3"));
        Assert.Equal("1\n2\n3", Cli("MGET", "smart:cli:a", "smart:cli:b", "smart:cli:c").Replace("\r", ""));
        Assert.Equal("3", Cli("DEL", "smart:cli:a", "smart:cli:b", "smart:cli:c"));
        Assert.Contains("redis_mode:standalone", Cli("INFO", "server"));
    }

    [Fact]
    public void WholeKeyspaceCommandsSeeEveryPrimary()
    {
        using var client = RawRespClient.Connect(Port);
        Assert.Equal("OK", client.Call("FLUSHALL").GetString());
        List<string> keys = SpreadKeys("smart:ks:", 300);
        var mset = new List<string> { "MSET" };
        foreach (string key in keys)
        {
            mset.Add(key);
            mset.Add(key.ToUpperInvariant());
        }

        Assert.Equal("OK", client.Call(mset.ToArray()).GetString());
        foreach (RedisServer master in _cluster.Masters())
        {
            Assert.NotEqual("0", master.Cli("DBSIZE"));
        }

        Assert.Equal(300, client.Call("DBSIZE").Integer);
        RespValue mget = client.Call(new[] { "MGET" }.Concat(keys).ToArray());
        Assert.Equal(keys.Select(k => k.ToUpperInvariant()), mget.Items.Select(v => v.GetString()));
        Assert.Equal(keys.OrderBy(k => k, StringComparer.Ordinal), client.Call("KEYS", "smart:ks:*").Items.Select(v => v.GetString()!).OrderBy(k => k, StringComparer.Ordinal));

        var scanned = new HashSet<string>();
        string cursor = "0";
        int rounds = 0;
        do
        {
            RespValue page = client.Call("SCAN", cursor, "COUNT", "50");
            cursor = page.Items[0].GetString()!;
            foreach (RespValue key in page.Items[1].Items)
            {
                scanned.Add(key.GetString()!);
            }

            Assert.True(++rounds < 1000);
        }
        while (cursor != "0");
        Assert.Equal(keys.ToHashSet(), scanned);

        Assert.Equal(300, client.Call(new[] { "DEL" }.Concat(keys).ToArray()).Integer);
        Assert.Equal(0, client.Call("DBSIZE").Integer);
    }

    [Fact]
    public void PresentsItselfAsAStandaloneServer()
    {
        using var client = RawRespClient.Connect(Port);
        RespValue hello = client.Call("HELLO", "3", "AUTH", "someone", "whatever", "SETNAME", "app1");
        Assert.Equal(RespType.Map, hello.Type);
        var fields = hello.AsPairs().ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal("standalone", fields["mode"].GetString());
        Assert.Equal("master", fields["role"].GetString());
        Assert.Equal(3, fields["proto"].Integer);
        Assert.False(string.IsNullOrEmpty(fields["version"].GetString()));

        // RESP3 from now on: a missing key is the RESP3 null.
        Assert.Equal(RespType.Null, client.Call("GET", "smart:no-such-key").Type);
        Assert.Equal("app1", client.Call("CLIENT", "GETNAME").GetString());
        Assert.Equal("OK", client.Call("AUTH", "anything").GetString());
        Assert.Equal("PONG", client.Call("PING").GetString());
        Assert.Equal("hi", client.Call("ECHO", "hi").GetString());
        Assert.Equal("OK", client.Call("SELECT", "0").GetString());
        Assert.True(client.Call("SELECT", "1").IsError);
        Assert.Equal("OK", client.Call("READONLY").GetString());

        string info = client.Call("INFO").GetString()!;
        Assert.Contains("redis_mode:standalone", info);
        Assert.Contains("cluster_enabled:0", info);
        Assert.DoesNotContain("redis_mode:cluster", info);

        // Commands that would hold up a shared upstream connection for everyone are refused.
        Assert.True(client.Call("WAIT", "1", "1000").IsError);

        RespValue cluster = client.Call("CLUSTER", "SLOTS");
        Assert.True(cluster.IsError);
        Assert.Contains("CLUSTER commands are not available through the smart tunnel", cluster.GetString());
        Assert.True(client.Call("COMMAND", "COUNT").Integer > 100);

        // Back to RESP2.
        Assert.Equal(RespType.Array, client.Call("HELLO", "2").Type);
        Assert.True(client.Call("GET", "smart:no-such-key").IsNull);
    }

    [Fact]
    public void MultiExecOnOneSlotRunsAsOneTransaction()
    {
        using var client = RawRespClient.Connect(Port);
        client.Call("DEL", "{smart:tx}a", "{smart:tx}b");
        Assert.Equal("OK", client.Call("MULTI").GetString());
        Assert.Equal("QUEUED", client.Call("SET", "{smart:tx}a", "1").GetString());
        Assert.Equal("QUEUED", client.Call("INCR", "{smart:tx}a").GetString());
        Assert.Equal("QUEUED", client.Call("LPUSH", "{smart:tx}b", "x").GetString());
        RespValue exec = client.Call("EXEC");
        Assert.Equal(3, exec.Items.Count);
        Assert.Equal("OK", exec.Items[0].GetString());
        Assert.Equal(2, exec.Items[1].Integer);
        Assert.Equal(1, exec.Items[2].Integer);
        Assert.Equal("2", client.Call("GET", "{smart:tx}a").GetString());

        Assert.Equal("OK", client.Call("MULTI").GetString());
        client.Call("SET", "{smart:tx}a", "9");
        Assert.Equal("OK", client.Call("DISCARD").GetString());
        Assert.Equal("2", client.Call("GET", "{smart:tx}a").GetString());
        Assert.True(client.Call("EXEC").IsError);
    }

    [Fact]
    public void BlpopIsWokenByAPushFromAnotherClient()
    {
        using var blocked = RawRespClient.Connect(Port);
        using var other = RawRespClient.Connect(Port);
        other.Call("DEL", "smart:queue");
        int blockedBefore = BlockedClients();
        blocked.Send("BLPOP", "smart:queue", "0");
        Assert.True(Poll.Until(() => BlockedClients() > blockedBefore, Poll.Deadline), "the BLPOP never reached a server");

        // The shared pipeline is not held up by the blocked client.
        Assert.Equal("PONG", other.Call("PING").GetString());
        Assert.Equal("OK", other.Call("SET", "smart:queue-side", "1").GetString());
        Assert.Equal(1, other.Call("RPUSH", "smart:queue", "job1").Integer);
        RespValue popped = blocked.Read();
        Assert.Equal(new[] { "smart:queue", "job1" }, popped.Items.Select(v => v.GetString()));
        Assert.Equal("PONG", blocked.Call("PING").GetString());
    }

    [Fact]
    public async Task ConcurrentPipeliningClientsEachGetTheirOwnRepliesInOrder()
    {
        var tasks = Enumerable.Range(0, 200).Select(c => Task.Run(async () =>
        {
            using RawRespClient client = await RawRespClient.ConnectAsync(Port);
            for (int round = 0; round < 3; round++)
            {
                var batch = new List<byte>();
                for (int i = 0; i < 20; i++)
                {
                    string key = "smart:cc:" + c + ":" + i;
                    batch.AddRange(RawRespClient.Encode("SET", key, c + "/" + round + "/" + i));
                    batch.AddRange(RawRespClient.Encode("GET", key));
                    batch.AddRange(RawRespClient.Encode("ECHO", "e" + i));
                }

                await client.SendAsync(batch.ToArray());
                for (int i = 0; i < 20; i++)
                {
                    Assert.Equal("OK", (await client.ReadAsync()).GetString());
                    Assert.Equal(c + "/" + round + "/" + i, (await client.ReadAsync()).GetString());
                    Assert.Equal("e" + i, (await client.ReadAsync()).GetString());
                }
            }
        })).ToArray();
        await Task.WhenAll(tasks);

        // The multiplexing: 200 clients opened no upstream connection of their own (the tunnel holds only the
        // shared ones: per primary, a router pool of 2 and a relay connection per protocol), and no primary
        // serves more than a handful of connections (the shared ones, the fixture's and redis-cli's own).
        Assert.InRange(_tunnel!.Statistics.UpstreamConnections, 1, _cluster.Masters().Count() * 4);
        foreach (RedisServer primary in _cluster.Masters())
        {
            int connections = primary.Cli("CLIENT", "LIST").Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
            Assert.True(connections < 20, primary.ClientPort + " serves " + connections + " connections");
        }
    }

    [Theory]
    [InlineData(2, "$-1\r\n")]
    [InlineData(3, "_\r\n")]
    public void MgetExistsAndTouchOverManySlotsComeBackInTheClientsKeyOrder(int protocol, string nil)
    {
        using var client = RawRespClient.Connect(Port);
        if (protocol == 3)
        {
            client.Call("HELLO", "3");
        }

        // Thirty keys reach every primary (and open the relay's connections to them).
        string prefix = "smart:split" + protocol + ":";
        var keys = Enumerable.Range(0, 30).Select(i => prefix + i).ToList();
        foreach (string key in keys)
        {
            Assert.Equal("OK", client.Call("SET", key, "value-of-" + key).GetString());
        }

        var asked = new List<string>(keys);
        asked.Insert(7, prefix + "missing-a");
        asked.Add(prefix + "missing-b");
        asked.Insert(0, keys[29]);
        string expected = "*" + asked.Count + "\r\n" + string.Concat(asked.Select(k => k.Contains("missing", StringComparison.Ordinal)
            ? nil
            : "$" + ("value-of-" + k).Length + "\r\nvalue-of-" + k + "\r\n"));
        Assert.Equal(expected, client.CallRaw(new[] { "MGET" }.Concat(asked).ToArray()));
        Assert.Equal(":31\r\n", client.CallRaw(new[] { "EXISTS" }.Concat(asked).ToArray()));
        Assert.Equal(":30\r\n", client.CallRaw(new[] { "TOUCH" }.Concat(keys).Append(prefix + "missing-c").ToArray()));
    }

    [Fact]
    public void HelloInTheMiddleOfAPipelineKeepsTheCommandsInOrder()
    {
        // Each HELLO moves the client's relayed commands to connections of the other protocol: a GET must still
        // see the SET pipelined just before it on the other connection to the same node.
        using var client = RawRespClient.Connect(Port);
        var batch = new List<byte>();
        for (int i = 0; i < 200; i++)
        {
            batch.AddRange(RawRespClient.Encode("SET", "smart:hello-order", "v" + i));
            batch.AddRange(RawRespClient.Encode("HELLO", i % 2 == 0 ? "3" : "2"));
            batch.AddRange(RawRespClient.Encode("GET", "smart:hello-order"));
        }

        client.Send(batch.ToArray());
        for (int i = 0; i < 200; i++)
        {
            Assert.Equal("OK", client.Read().GetString());
            Assert.Equal("standalone", client.Read().Items.SkipWhile(item => item.GetString() != "mode").Skip(1).First().GetString());
            Assert.Equal("v" + i, client.Read().GetString());
        }
    }

    [Fact]
    public void MalformedInputClosesOnlyThatClient()
    {
        using var good = RawRespClient.Connect(Port);
        using var bad = RawRespClient.Connect(Port);
        Assert.Equal("PONG", good.Call("PING").GetString());
        bad.Send(Encoding.ASCII.GetBytes("*2\r\n$3\r\nGET\r\n:12\r\n"));
        RespValue error = bad.Read();
        Assert.True(error.IsError);
        Assert.Contains("Protocol error", error.GetString());
        Assert.True(bad.WaitClosed(Poll.Deadline));

        using var big = RawRespClient.Connect(Port);
        big.Send(Encoding.ASCII.GetBytes("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000\r\n"));
        RespValue tooBig = big.Read();
        Assert.True(tooBig.IsError);
        Assert.Contains("Protocol error", tooBig.GetString());
        Assert.True(big.WaitClosed(Poll.Deadline));

        Assert.Equal("PONG", good.Call("PING").GetString());
    }

    [Fact]
    public void InlineCommandsAndQuitWork()
    {
        using var client = RawRespClient.Connect(Port);
        client.Send(Encoding.ASCII.GetBytes("SET smart:inline v\r\nGET smart:inline\r\nQUIT\r\n"));
        Assert.Equal("OK", client.Read().GetString());
        Assert.Equal("v", client.Read().GetString());
        Assert.Equal("OK", client.Read().GetString());
        Assert.True(client.WaitClosed(Poll.Deadline));
    }

    [Fact]
    public void SubscribeReceivesPublishesAndReturnsToNormalAfterUnsubscribing()
    {
        using var subscriber = RawRespClient.Connect(Port);
        using var publisher = RawRespClient.Connect(Port);
        RespValue confirm = subscriber.Call("SUBSCRIBE", "smart:news", "smart:alerts");
        Assert.Equal(new[] { "subscribe", "smart:news" }, confirm.Items.Take(2).Select(v => v.GetString()));
        Assert.Equal(2, subscriber.Read().Items[2].Integer);

        // Classic pub/sub is cluster-wide: the PUBLISH may run on another node than the subscription (and then
        // counts only that node's receivers), yet the message arrives.
        Assert.Equal(RespType.Integer, publisher.Call("PUBLISH", "smart:news", "hello").Type);
        RespValue message = subscriber.Read();
        Assert.Equal(new[] { "message", "smart:news", "hello" }, message.Items.Select(v => v.GetString()));

        // Unsubscribing from everything, with a command pipelined behind it that must run as usual.
        subscriber.Send(RawRespClient.Encode("UNSUBSCRIBE").Concat(RawRespClient.Encode("SET", "smart:after-sub", "1")).ToArray());
        var kinds = new List<long> { subscriber.Read().Items[2].Integer, subscriber.Read().Items[2].Integer };
        Assert.Equal(new long[] { 1, 0 }, kinds);
        Assert.Equal("OK", subscriber.Read().GetString());
        Assert.Equal("1", subscriber.Call("GET", "smart:after-sub").GetString());
    }

    [Fact]
    public void Resp3SubscribersGetPushesAndShardChannelsWork()
    {
        using var subscriber = RawRespClient.Connect(Port);
        using var publisher = RawRespClient.Connect(Port);
        Assert.Equal(RespType.Map, subscriber.Call("HELLO", "3").Type);
        RespValue confirm = subscriber.Call("SSUBSCRIBE", "smart:shard");
        Assert.Equal(RespType.Push, confirm.Type);
        Assert.Equal("ssubscribe", confirm.Items[0].GetString());
        Assert.Equal(1, publisher.Call("SPUBLISH", "smart:shard", "s1").Integer);
        RespValue message = subscriber.Read();
        Assert.Equal(RespType.Push, message.Type);
        Assert.Equal(new[] { "smessage", "smart:shard", "s1" }, message.Items.Select(v => v.GetString()));
        Assert.Equal(0, subscriber.Call("SUNSUBSCRIBE", "smart:shard").Items[2].Integer);
        Assert.Equal("PONG", subscriber.Call("PING").GetString());
    }

    [Fact]
    public async Task StoppingEndsSubscribedAndBlockedClientsPromptly()
    {
        var options = new TunnelOptions(new RedisEndpoint("127.0.0.1", _cluster.SeedPort), StandaloneTunnelTests.TlsAcl())
        {
            ListenPort = 0,
            DrainTimeout = TimeSpan.FromSeconds(1),
        };
        RedisTunnel tunnel = await RedisTunnel.StartAsync(options);
        int port = tunnel.Listeners[0].LocalPort;
        using var subscriber = RawRespClient.Connect(port);
        using var blocked = RawRespClient.Connect(port);
        Assert.Equal("subscribe", subscriber.Call("SUBSCRIBE", "smart:stop").Items[0].GetString());
        int blockedBefore = BlockedClients();
        blocked.Send("BLPOP", "smart:stop-queue", "0");
        Assert.True(Poll.Until(() => BlockedClients() > blockedBefore, Poll.Deadline), "the BLPOP never reached a server");

        // Neither client's wait ever ends on its own (BLPOP 0, a subscription): the 1 s drain timeout must end them.
        // The deadline only turns a stop that waits for them forever into a failure.
        await tunnel.StopAsync().WaitAsync(Poll.Deadline);
        Assert.Equal(TunnelState.Stopped, tunnel.State);
        Assert.True(subscriber.WaitClosed(Poll.Deadline));
        Assert.True(blocked.WaitClosed(Poll.Deadline));
    }

    [Fact]
    public void ABlockedClientThatHangsUpReleasesItsServerConnection()
    {
        int blockedBefore = BlockedClients();
        using (var blocked = RawRespClient.Connect(Port))
        {
            blocked.Send("BLPOP", "smart:abandoned", "0");
            Assert.True(Poll.Until(() => BlockedClients() > blockedBefore, Poll.Deadline), "the BLPOP never reached a server");
        }

        // BLPOP 0 would wait forever; the tunnel notices the hang-up and closes the dedicated connection.
        Assert.True(Poll.Until(() => BlockedClients() <= blockedBefore, Poll.Deadline), "the server still blocks for a client that left");
    }

    /// <summary>The clients the primaries hold blocked (BLPOP and the like), over all of them.</summary>
    private int BlockedClients()
        => _cluster.Masters().Sum(m => m.BlockedClients());
}
