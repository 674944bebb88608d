using System.Text;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Protocol;
using RedisCluster.Tests.Infrastructure;
using Xunit;
using RedisCluster.Tests.Tunnel.Relay;

namespace RedisCluster.Tests.Tunnel.Smart;

/// <summary>
/// What one application does through the smart tunnel must not reach the others that share its upstream
/// connections, and no command may run twice because of something the tunnel did. Live, against a real
/// 3-primary cluster; the upstream command timeout is one second so that a "slow" command is cheap to make.
/// </summary>
public sealed class SmartTunnelIsolationTests : SmartTunnelTestBase, IClassFixture<SmartClusterFixture>
{
    /// <summary>A script that calls itself back: Redis answers it as thousands of nested one-element arrays.</summary>
    private const string SelfHoldingTable = "redis.call('INCR',KEYS[1]); local a={}; local b={a}; a[1]=b; return a";

    public SmartTunnelIsolationTests(SmartClusterFixture fixture)
        : base(fixture.Cluster)
    {
    }

    protected override ConnectionOptions Upstream()
    {
        ConnectionOptions options = StandaloneTunnelTests.TlsAcl();
        options.CommandTimeout = TimeSpan.FromSeconds(1);
        return options;
    }

    /// <summary>A script that INCRs its key, then keeps its node busy for <paramref name="ms"/> milliseconds.</summary>
    private static string BusyScript(int ms)
        => "redis.call('INCR',KEYS[1]); local t=redis.call('TIME'); local s=t[1]*1000000+t[2]; "
        + "repeat local n=redis.call('TIME') until n[1]*1000000+n[2]-s > " + (ms * 1000) + " return 'done'";

    [Fact]
    public void AReplyNestedThousandsDeepIsRelayedAsTheServersBytesAndTheScriptRunsOnce()
    {
        using var client = RawRespClient.Connect(Port);
        client.Call("DEL", "iso:deep{z}");
        client.Send(RawRespClient.Encode("EVAL", SelfHoldingTable, "1", "iso:deep{z}").Concat(RawRespClient.Encode("PING")).ToArray());
        AssertSelfHoldingTableThenPong(client.ReadRawUntil("+PONG\r\n"));
        Assert.Equal("1", client.Call("GET", "iso:deep{z}").GetString());
    }

    /// <summary>What redis-server itself sends for a Lua table that holds itself: "*1" all the way down to the error Lua stopped at; then PONG.</summary>
    internal static void AssertSelfHoldingTableThenPong(string raw)
    {
        Assert.EndsWith("+PONG\r\n", raw, StringComparison.Ordinal);
        string nested = raw[..^"+PONG\r\n".Length];
        Assert.EndsWith("-ERR reached lua stack limit\r\n", nested, StringComparison.Ordinal);
        string arrays = nested[..^"-ERR reached lua stack limit\r\n".Length];
        Assert.True(arrays.Length > 64 * 4, "only " + arrays.Length / 4 + " levels");
        Assert.Equal(string.Empty, arrays.Replace("*1\r\n", string.Empty, StringComparison.Ordinal));
    }

    [Fact]
    public void AReplyTooDeepForTheClusterClientsValuesIsPassedOnAsTheServersBytes()
    {
        // A keyless script and a transaction go through the shared cluster client, which builds values and stops at
        // 64 levels; the reply it could not hold still reaches the client as the server sent it, and the script ran once.
        using var client = RawRespClient.Connect(Port);
        using var other = RawRespClient.Connect(Port);
        client.Send(RawRespClient.Encode("EVAL", "local a={}; local b={a}; a[1]=b; return a", "0").Concat(RawRespClient.Encode("PING")).ToArray());
        AssertSelfHoldingTableThenPong(client.ReadRawUntil("+PONG\r\n"));

        client.Call("DEL", "iso:deep-multi{z}");
        Assert.Equal("OK", client.Call("MULTI").GetString());
        Assert.Equal("QUEUED", client.Call("EVAL", SelfHoldingTable, "1", "iso:deep-multi{z}").GetString());
        client.Send(RawRespClient.Encode("EXEC").Concat(RawRespClient.Encode("PING")).ToArray());
        AssertSelfHoldingTableThenPong(client.ReadRawUntil("+PONG\r\n"));
        Assert.Equal("1", client.Call("GET", "iso:deep-multi{z}").GetString());
        Assert.Equal(3L, other.Call("EVAL", "return 3", "0").Integer);
    }

    [Fact]
    public async Task ASingleSlotCommandSlowerThanTheCommandTimeoutRunsOnceAndSoDoItsNeighbours()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var slow = await RawRespClient.ConnectAsync(Port);
        using var neighbour = await RawRespClient.ConnectAsync(Port);
        await slow.SendAsync(RawRespClient.Encode("DEL", "iso:slow{y}", "iso:next{y}"));
        await slow.ReadAsync(deadline.Token);

        // Both go over the one relay connection to the slot's primary; the neighbour's INCR waits behind the script.
        await slow.SendAsync(RawRespClient.Encode("EVAL", BusyScript(2500), "1", "iso:slow{y}"));
        await neighbour.SendAsync(RawRespClient.Encode("INCR", "iso:next{y}"));
        Assert.Equal("done", (await slow.ReadAsync(deadline.Token)).GetString());
        RespValue next = await neighbour.ReadAsync(deadline.Token);
        Assert.Equal(1L, next.Integer);
        Assert.Equal("1", slow.Call("GET", "iso:slow{y}").GetString());
    }

    [Fact]
    public void AKeylessCommandSlowerThanTheCommandTimeoutGetsItsReply()
    {
        using var client = RawRespClient.Connect(Port);
        client.SetReceiveTimeout(TimeSpan.FromSeconds(120));
        RespValue reply = client.Call("EVAL", "local t=redis.call('TIME'); local s=t[1]*1000000+t[2]; "
            + "repeat local n=redis.call('TIME') until n[1]*1000000+n[2]-s > 2500000 return 'done'", "0");
        Assert.Equal("done", reply.GetString());
    }

    [Fact]
    public void UnsubscribeWithoutSubscriptionsAnswersOncePerChannel()
    {
        using var client = RawRespClient.Connect(Port);
        client.Send(RawRespClient.Encode("UNSUBSCRIBE", "a", "b", "c")
            .Concat(RawRespClient.Encode("PUNSUBSCRIBE", "p*", "q*"))
            .Concat(RawRespClient.Encode("SUNSUBSCRIBE", "s1", "s2"))
            .Concat(RawRespClient.Encode("UNSUBSCRIBE"))
            .Concat(RawRespClient.Encode("PING")).ToArray());
        var expected = new[] { ("unsubscribe", "a"), ("unsubscribe", "b"), ("unsubscribe", "c"), ("punsubscribe", "p*"), ("punsubscribe", "q*"),
            ("sunsubscribe", "s1"), ("sunsubscribe", "s2"), ("unsubscribe", (string?)null) };
        foreach (var (kind, channel) in expected)
        {
            RespValue reply = client.Read();
            Assert.Equal(3, reply.Items.Count);
            Assert.Equal(kind, reply.Items[0].GetString());
            Assert.Equal(channel, reply.Items[1].GetString());
            Assert.Equal(0L, reply.Items[2].Integer);
        }

        Assert.Equal("PONG", client.Read().GetString());
    }

    [Fact]
    public void WhatIsRefusedOnItsOwnIsRefusedInsideMultiAndTheBlockAborts()
    {
        using var client = RawRespClient.Connect(Port);
        client.Call("DEL", "iso:multi{t}");
        foreach (string[] command in new[]
        {
            new[] { "CLIENT", "PAUSE", "4000", "WRITE" }, new[] { "WAIT", "1", "0" },
            new[] { "MONITOR" }, new[] { "CLUSTER", "INFO" },
        })
        {
            RespValue alone = client.Call(command);
            Assert.True(alone.IsError, string.Join(" ", command) + " on its own: " + alone);
            AssertRefusedInBlock(client, command, alone.GetString()!);
        }

        Assert.Equal("PONG", client.Call("PING").GetString());
    }

    [Fact]
    public void WhatWouldChangeTheSharedConnectionOrRedisRefusesInsideMultiIsRefusedThere()
    {
        using var client = RawRespClient.Connect(Port);
        client.Call("DEL", "iso:multi{t}");
        const string Shared = " inside MULTI is not supported through the smart tunnel: the block runs on a connection shared with other clients";
        AssertRefusedInBlock(client, new[] { "SUBSCRIBE", "news" }, "ERR SUBSCRIBE" + Shared);
        AssertRefusedInBlock(client, new[] { "HELLO", "3" }, "ERR HELLO" + Shared);
        AssertRefusedInBlock(client, new[] { "AUTH", "someone", "secret" }, "ERR AUTH" + Shared);
        AssertRefusedInBlock(client, new[] { "CLIENT", "SETNAME", "mine" }, "ERR CLIENT SETNAME" + Shared);

        // The tunnel keeps CLIENT REPLY for the application outside a transaction; queued, it would silence the shared connection.
        AssertRefusedInBlock(client, new[] { "CLIENT", "REPLY", "OFF" }, "ERR CLIENT REPLY" + Shared);

        // Flagged no-multi in Redis' command table: its own words.
        AssertRefusedInBlock(client, new[] { "SYNC" }, "ERR Command not allowed inside a transaction");

        // WATCH inside MULTI is an error that does not abort the block, as in Redis.
        Assert.Equal("OK", client.Call("MULTI").GetString());
        Assert.Equal("ERR WATCH inside MULTI is not allowed", client.Call("WATCH", "iso:multi{t}").GetString());
        Assert.Equal("QUEUED", client.Call("SET", "iso:multi{t}", "kept").GetString());
        Assert.Equal("OK", Assert.Single(client.Call("EXEC").Items).GetString());
        Assert.Equal("kept", client.Call("GET", "iso:multi{t}").GetString());

        // The connection and the client's own protocol are as they were.
        Assert.Equal("PONG", client.Call("PING").GetString());
        Assert.Null(client.Call("CLIENT", "GETNAME").GetString());
    }

    [Fact]
    public async Task ScriptKillReachesABusyNodeAtOnceThoughTheScriptHoldsTheSharedConnection()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var runner = await RawRespClient.ConnectAsync(Port);
        using var other = RawRespClient.Connect(Port);
        using var killer = await RawRespClient.ConnectAsync(Port);

        // A block runs over the cluster client's shared connection to the node, which the script then holds
        // until it is killed (it only reads, so SCRIPT KILL may stop it).
        await runner.SendAsync(RawRespClient.Encode("MULTI")
            .Concat(RawRespClient.Encode("EVAL", "local i=0 while true do i=i+1 end", "1", "iso:busy{c}"))
            .Concat(RawRespClient.Encode("EXEC")).ToArray());
        Task<RespValue> stopped = ReadExecAsync(runner, deadline.Token);

        // Another application's command on the node (over the relay connection) hears BUSY once the script runs.
        RespValue probe;
        do
        {
            probe = other.Call("GET", "iso:other{c}");
            deadline.Token.ThrowIfCancellationRequested();
        }
        while (!probe.IsError || !probe.GetString()!.StartsWith("BUSY", StringComparison.Ordinal));

        await killer.SendAsync(RawRespClient.Encode("SCRIPT", "KILL"));
        Assert.Equal("OK", (await killer.ReadAsync(deadline.Token)).GetString());
        RespValue outcome = await stopped;
        string text = outcome.IsError ? outcome.GetString()! : Assert.Single(outcome.Items).GetString()!;
        Assert.Contains("killed", text, StringComparison.OrdinalIgnoreCase);

        // Nothing is left out of step: the connections go on as before.
        Assert.Equal("OK", other.Call("SET", "iso:other{c}", "2").GetString());
        Assert.Equal("OK", runner.Call("MULTI").GetString());
        Assert.Equal("QUEUED", runner.Call("GET", "iso:other{c}").GetString());
        Assert.Equal("2", Assert.Single(runner.Call("EXEC").Items).GetString());
        Assert.StartsWith("NOTBUSY", killer.Call("SCRIPT", "KILL").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("NOTBUSY", killer.Call("FUNCTION", "KILL").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABlockingCommandWhoseConnectionBreaksIsNotSentAgain()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var waiter = await RawRespClient.ConnectAsync(Port);
        using var other = RawRespClient.Connect(Port);
        other.Call("DEL", "iso:queue{q}");
        await waiter.SendAsync(RawRespClient.Encode("BLPOP", "iso:queue{q}", "0"));
        Task<RespValue> popped = waiter.ReadAsync(deadline.Token);

        // Once the BLPOP waits on its node, its connection is killed there (client ids are each node's own).
        (RedisServer Node, string Id)? blocked = null;
        while (blocked == null)
        {
            deadline.Token.ThrowIfCancellationRequested();
            blocked = _cluster.Masters().SelectMany(n => n.Cli("CLIENT", "LIST").Split('\n').Select(line => (Node: n, Line: line)))
                .Where(c => c.Line.Contains(" cmd=blpop ", StringComparison.Ordinal))
                .Select(c => ((RedisServer, string)?)(c.Node, c.Line.Split(' ')[0]["id=".Length..])).FirstOrDefault();
        }

        Assert.Equal("1", blocked.Value.Node.Cli("CLIENT", "KILL", "ID", blocked.Value.Id));

        // Sent again, it would wait anew and take this element; the client instead hears that it may have run.
        RespValue reply = await popped;
        Assert.True(reply.IsError, "the BLPOP answered " + reply);
        Assert.Contains("not sent again", reply.GetString(), StringComparison.Ordinal);
        Assert.Equal(1L, other.Call("LPUSH", "iso:queue{q}", "x").Integer);
        Assert.Equal(1L, other.Call("LLEN", "iso:queue{q}").Integer);
    }

    /// <summary>The replies to MULTI, one queued command and EXEC; returns EXEC's.</summary>
    private static async Task<RespValue> ReadExecAsync(RawRespClient client, CancellationToken cancellationToken)
    {
        Assert.Equal("OK", (await client.ReadAsync(cancellationToken)).GetString());
        Assert.Equal("QUEUED", (await client.ReadAsync(cancellationToken)).GetString());
        return await client.ReadAsync(cancellationToken);
    }

    /// <summary>MULTI, a SET, <paramref name="command"/> refused with <paramref name="error"/>, EXEC aborted, and the SET never ran.</summary>
    private static void AssertRefusedInBlock(RawRespClient client, string[] command, string error)
    {
        Assert.Equal("OK", client.Call("MULTI").GetString());
        Assert.Equal("QUEUED", client.Call("SET", "iso:multi{t}", "v").GetString());
        RespValue refused = client.Call(command);
        Assert.True(refused.IsError, string.Join(" ", command) + " in MULTI: " + refused);
        Assert.Equal(error, refused.GetString());
        RespValue exec = client.Call("EXEC");
        Assert.True(exec.IsError, "EXEC after " + string.Join(" ", command) + ": " + exec);
        Assert.StartsWith("EXECABORT", exec.GetString(), StringComparison.Ordinal);
        Assert.Null(client.Call("GET", "iso:multi{t}").GetString());
    }
}
