using RedisCluster.Engine.Protocol;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Tunnel.Smart;

/// <summary>
/// The smart tunnel meeting a node that cannot serve right now: a script past its busy threshold (answered as
/// one busy server answers, after Redis 7.0.15's tests/unit/multi.tcl "... and script timeout" tests), a node
/// loading its data set, and a client that leaves while its command runs. Live, against a real 3-primary cluster.
/// </summary>
public sealed class SmartTunnelBusyTests : SmartTunnelTestBase, IClassFixture<SmartClusterFixture>
{
    private const string Forever = "while true do end";

    public SmartTunnelBusyTests(SmartClusterFixture fixture)
        : base(fixture.Cluster)
    {
    }

    /// <summary>A script that only reads and keeps its node for <paramref name="ms"/> milliseconds.</summary>
    private static string ReadOnlyFor(int ms)
        => "local t=redis.call('TIME'); local s=t[1]*1000000+t[2]; "
        + "repeat local n=redis.call('TIME') until n[1]*1000000+n[2]-s > " + (ms * 1000) + " return 'done'";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AnExecWhileAScriptHoldsANodeIsDiscardedWithBusyAsOnOneServer(bool commandWhileBusy)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        using var client = RawRespClient.Connect(Port);
        using var runner = await RawRespClient.ConnectAsync(Port);
        using var probe = RawRespClient.Connect(Port);
        SetBusyThreshold("10");
        try
        {
            Assert.Equal("OK", client.Call("SET", "busy:xx", "1").GetString());
            Assert.Equal("OK", client.Call("MULTI").GetString());
            Assert.Equal("QUEUED", client.Call("INCR", "busy:xx").GetString());
            Task<RespValue> stopped = StartForeverAsync(runner, deadline.Token);

            // Another client's PING hears BUSY, as from a single server whose script ran past its threshold.
            await WaitBusyAsync(probe, deadline.Token);
            if (commandWhileBusy)
            {
                Assert.StartsWith("BUSY", client.Call("INCR", "busy:xx").GetString(), StringComparison.Ordinal);
            }

            RespValue exec = client.Call("EXEC");
            Assert.True(exec.IsError, "EXEC answered " + exec);
            Assert.StartsWith("EXECABORT Transaction discarded because of: BUSY", exec.GetString(), StringComparison.Ordinal);

            await KillAsync(stopped, deadline.Token);
            Assert.Equal("1", client.Call("GET", "busy:xx").GetString());

            // The transaction is over: the client is not left in MULTI.
            Assert.Equal("asdf", client.Call("PING", "asdf").GetString());
            Assert.Equal("PONG", probe.Call("PING").GetString());
        }
        finally
        {
            SetBusyThreshold("5000");
        }
    }

    [Fact]
    public async Task ScriptKillTakenWhileAScriptIsStillOnItsWayWaitsForItAndStopsIt()
    {
        // The runner's batch blocks first, so its EVAL is taken but not yet on a node when the kill comes;
        // on one server the kill, sent after the script, could not miss it (and the script would then run on forever).
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        using var runner = await RawRespClient.ConnectAsync(Port);
        using var observer = RawRespClient.Connect(Port);
        SetBusyThreshold("10");
        try
        {
            string runnerId = runner.Call("CLIENT", "ID").Integer.ToString(System.Globalization.CultureInfo.InvariantCulture);
            observer.Call("DEL", "busy:never");
            await runner.SendAsync(RawRespClient.Encode("BLPOP", "busy:never", "1").Concat(RawRespClient.Encode("EVAL", Forever, "0")).ToArray(), deadline.Token);
            Assert.True(Poll.Until(() => observer.Call("CLIENT", "LIST", "ID", runnerId).GetString()!.Contains(" flags=b ", StringComparison.Ordinal), TimeSpan.FromSeconds(30)), "the runner never showed as blocked");

            Assert.Equal("OK", observer.Call("SCRIPT", "KILL").GetString());
            Assert.True((await runner.ReadAsync(deadline.Token)).IsNull, "BLPOP of an empty list answered a value");
            RespValue outcome = await runner.ReadAsync(deadline.Token);
            Assert.True(outcome.IsError, "the script answered " + outcome);
            Assert.Contains("killed", outcome.GetString(), StringComparison.OrdinalIgnoreCase);
            Assert.Equal("PONG", observer.Call("PING").GetString());
        }
        finally
        {
            SetBusyThreshold("5000");
        }
    }

    [Fact]
    public async Task ACommandRefusedWithBusyInsideMultiMakesTheLaterExecFail()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        using var client = RawRespClient.Connect(Port);
        using var runner = await RawRespClient.ConnectAsync(Port);
        SetBusyThreshold("10");
        try
        {
            Assert.Equal("OK", client.Call("SET", "busy:body", "1").GetString());
            Assert.Equal("OK", client.Call("MULTI").GetString());
            Assert.Equal("QUEUED", client.Call("INCR", "busy:body").GetString());
            Task<RespValue> stopped = StartForeverAsync(runner, deadline.Token);
            RespValue? refused = null;
            Assert.True(Poll.Until(() => (refused = client.Call("INCR", "busy:body")).IsError, Poll.Deadline), "INCR never heard BUSY; last reply: " + refused);
            Assert.StartsWith("BUSY", refused!.GetString(), StringComparison.Ordinal);
            await KillAsync(stopped, deadline.Token);

            // Run after the script, the block would have made it 3 (the tunnel had said QUEUED to both INCRs).
            Assert.Equal("EXECABORT Transaction discarded because of previous errors.", client.Call("EXEC").GetString());
            Assert.Equal("1", client.Call("GET", "busy:body").GetString());
        }
        finally
        {
            SetBusyThreshold("5000");
        }
    }

    [Fact]
    public async Task ACommandRefusedWhileItsNodeLoadsItsDataRunsOnceTheNodeHasLoaded()
    {
        using var client = RawRespClient.Connect(Port);
        const string Key = "load:k{l}";
        Assert.Equal("OK", client.Call("SET", Key, "v").GetString());
        RedisServer node = _cluster.Masters().Single(n => n.Cli("EXISTS", Key) == "1");

        // Keys of the same slot, loaded slowly, with the server answering clients (LOADING) while it loads.
        node.Cli("DEBUG", "POPULATE", "20000", "load{l}");
        node.Cli("CONFIG", "SET", "loading-process-events-interval-bytes", "1024");
        node.Cli("CONFIG", "SET", "key-load-delay", "100");
        try
        {
            using var direct = MiniRespClient.Connection.Open(node.Host, node.ClientPort, node.IsTlsOnly, TimeSpan.FromMinutes(1));
            for (int attempt = 0; attempt < 5; attempt++)
            {
                Task<string> reload = Task.Run(() => node.Cli("DEBUG", "RELOAD"));
                bool loading = false;
                while (!loading && !reload.IsCompleted)
                {
                    loading = Ask(direct, "GET", Key).StartsWith("LOADING", StringComparison.Ordinal);
                }

                if (loading)
                {
                    // Refused, so certainly not run: the tunnel sends it again once the node has loaded.
                    Assert.Equal("v", client.Call("GET", Key).GetString());
                    Assert.Equal(1L, client.Call("INCR", "load:n{l}").Integer);
                    Assert.Equal("OK", await reload);
                    return;
                }

                Assert.Equal("OK", await reload);
            }

            Assert.Fail("The node never answered LOADING while it reloaded.");
        }
        finally
        {
            node.Cli("CONFIG", "SET", "key-load-delay", "0");
        }
    }

    [Theory]
    [InlineData("1")]
    [InlineData("0")]
    public async Task AClientThatLeavesWhileItsCommandRunsLeavesTheSharedConnectionsInStep(string keys)
    {
        // "1": the script is relayed over the node's relay connection; "0": it goes through the cluster client's.
        using var other = RawRespClient.Connect(Port);
        Assert.Equal("OK", other.Call("SET", "gone:mine{g}", "mine").GetString());
        SetBusyThreshold("10");
        MiniRespClient.Connection[] direct = _cluster.Masters().Select(n => MiniRespClient.Connection.Open(n.Host, n.ClientPort, n.IsTlsOnly, TimeSpan.FromMinutes(1))).ToArray();
        try
        {
            using (RawRespClient leaver = await RawRespClient.ConnectAsync(Port))
            {
                string[] script = keys == "1" ? new[] { "EVAL", ReadOnlyFor(3000), "1", "gone:mine{g}" } : new[] { "EVAL", ReadOnlyFor(3000), "0" };
                await leaver.SendAsync(RawRespClient.Encode(script).Concat(RawRespClient.Encode("GET", "gone:mine{g}"))
                    .Concat(RawRespClient.Encode("EVAL", "return 'late'", "0")).ToArray());

                // Its script is running upstream (some primary answers BUSY) when it hangs up.
                Assert.True(Poll.Until(() => direct.Any(n => Ask(n, "PING").StartsWith("BUSY", StringComparison.Ordinal)), TimeSpan.FromMinutes(1)),
                    "the script never ran");
            }

            Assert.True(Poll.Until(() => direct.All(n => Ask(n, "PING") == "PONG"), TimeSpan.FromMinutes(1)), "a node stayed busy");
            Assert.True(Poll.Until(() => other.Call("PING").GetString() == "PONG", TimeSpan.FromMinutes(1)), "the tunnel still answers BUSY");
            Assert.Equal("mine", other.Call("GET", "gone:mine{g}").GetString());
            Assert.Equal("keyless", other.Call("EVAL", "return 'keyless'", "0").GetString());
            Assert.Equal("keyed", other.Call("EVAL", "return 'keyed'", "1", "gone:mine{g}").GetString());
            other.Send(RawRespClient.Encode("ECHO", "a").Concat(RawRespClient.Encode("GET", "gone:mine{g}")).Concat(RawRespClient.Encode("DBSIZE")).ToArray());
            Assert.Equal("a", other.Read().GetString());
            Assert.Equal("mine", other.Read().GetString());
            Assert.True(other.Read().Integer >= 2, "DBSIZE");
        }
        finally
        {
            foreach (MiniRespClient.Connection connection in direct)
            {
                connection.Dispose();
            }

            SetBusyThreshold("5000");
        }
    }

    private static string Ask(MiniRespClient.Connection connection, params string[] command)
    {
        connection.Send(command);
        try
        {
            return connection.ReadReply()?.ToString() ?? string.Empty;
        }
        catch (InvalidOperationException error)
        {
            return error.Message;
        }
    }

    [Fact]
    public async Task EveryScriptAfterAKilledOneIsSeenBusyAndRunsItsBatch()
    {
        // Redis's suite runs one busy script after another: each must be seen BUSY by other clients (a probe that stopped
        // asking some nodes when the last script ended missed it), and none may be refused with the BUSY of the script
        // killed just before (the kill's OK comes a moment before the script stops).
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        using var probe = RawRespClient.Connect(Port);
        SetBusyThreshold("10");
        try
        {
            for (int round = 0; round < 6; round++)
            {
                using var runner = await RawRespClient.ConnectAsync(Port);
                string script = round % 2 == 0 ? Forever : "local f = function() while 1 do redis.call('ping') end end while 1 do pcall(f) end";
                await runner.SendAsync(RawRespClient.Encode("EVAL", script, "0").Concat(RawRespClient.Encode("PING")).ToArray(), deadline.Token);
                await WaitBusyAsync(probe, deadline.Token);

                using var killer = await RawRespClient.ConnectAsync(Port);
                await killer.SendAsync(RawRespClient.Encode("SCRIPT", "KILL"), deadline.Token);
                Assert.Equal("OK", (await killer.ReadAsync(deadline.Token)).GetString());
                RespValue outcome = await runner.ReadAsync(deadline.Token);
                Assert.Contains("killed", outcome.GetString(), StringComparison.OrdinalIgnoreCase);
                Assert.Equal("PONG", (await runner.ReadAsync(deadline.Token)).GetString());
                Assert.True(await Poll.UntilAsync(async () =>
                {
                    await probe.SendAsync(RawRespClient.Encode("PING"), deadline.Token);
                    return !(await probe.ReadAsync(deadline.Token)).IsError;
                }, Poll.Deadline), "the tunnel stayed BUSY after the kill in round " + round);
            }
        }
        finally
        {
            SetBusyThreshold("5000");
        }
    }

    private void SetBusyThreshold(string ms)
    {
        foreach (RedisServer node in _cluster.Masters())
        {
            node.Cli("CONFIG", "SET", "busy-reply-threshold", ms);
        }
    }

    /// <summary>A keyless script that runs until killed; the task is its reply.</summary>
    private static async Task<RespValue> StartForeverAsync(RawRespClient runner, CancellationToken cancellationToken)
    {
        await runner.SendAsync(RawRespClient.Encode("EVAL", Forever, "0"), cancellationToken);
        return await runner.ReadAsync(cancellationToken);
    }

    private static async Task WaitBusyAsync(RawRespClient probe, CancellationToken cancellationToken)
    {
        RespValue? reply = null;
        async Task<bool> Refused()
        {
            await probe.SendAsync(RawRespClient.Encode("PING"), cancellationToken);
            reply = await probe.ReadAsync(cancellationToken);
            return reply.IsError;
        }

        Assert.True(await Poll.UntilAsync(Refused, Poll.Deadline), "PING never heard BUSY; last reply: " + reply);
        Assert.StartsWith("BUSY", reply!.GetString(), StringComparison.Ordinal);
    }

    /// <summary>SCRIPT KILL through the tunnel, and the script's client hears that it was killed.</summary>
    private async Task KillAsync(Task<RespValue> stopped, CancellationToken cancellationToken)
    {
        using var killer = await RawRespClient.ConnectAsync(Port);
        await killer.SendAsync(RawRespClient.Encode("SCRIPT", "KILL"), cancellationToken);
        Assert.Equal("OK", (await killer.ReadAsync(cancellationToken)).GetString());
        RespValue outcome = await stopped;
        Assert.True(outcome.IsError, "the script answered " + outcome);
        Assert.Contains("killed", outcome.GetString(), StringComparison.OrdinalIgnoreCase);
    }
}
