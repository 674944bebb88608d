using System.Text;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Routing;
using RedisCluster.Engine.Tunnel.Smart;
using RedisCluster.Tests.ClusterMetadata;
using Xunit;

namespace RedisCluster.Tests.Tunnel.Smart;

/// <summary>
/// SmartBatch against a scripted node (a stage test with a fake server, beside the live smart tunnel tests): relayed
/// replies land at their commands' positions as the node's bytes, redirects become retries the client never sees, a
/// connection that breaks after a command went out answers it with an error (it may have run), one that was broken
/// before answers with a retry, and the batch's wait ends only when the last reply is in.
/// </summary>
public sealed class SmartBatchTests
{
    private static CommandRoute Route(string key) => CommandRoute.SingleSlot(null!, HashSlot.GetSlot(key), preferReplica: false, mayBlock: false);

    private static void Relay(SmartBatch batch, RedisConnection link, string key, int index)
        => batch.Relay(link, RedisCommand.Create("GET", key), index, Route(key));

    private static string Text(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    private static async Task Within(Task task) => await task.WaitAsync(TimeSpan.FromSeconds(30));

    [Fact]
    public async Task RelayedRepliesLandAtTheirCommandsPositionsAsTheNodesBytes()
    {
        using var server = new ScriptedServer(line => line switch
        {
            "INFO server" => ScriptedServer.ServerInfo,
            "GET a" => "$1\r\nA\r\n",
            "GET b" => "*2\r\n:1\r\n$1\r\nB\r\n",
            _ => "-ERR unexpected " + line + "\r\n",
        });
        using RedisConnection link = await server.ConnectAsync();
        SmartBatch batch = new SmartBatch().Reset(3);
        Relay(batch, link, "a", 0);
        Relay(batch, link, "b", 2);

        await Within(batch.SendRelayedAsync(CancellationToken.None));

        Assert.Equal("$1\r\nA\r\n", Text(batch.RawReply(0)));
        Assert.False(batch.HasRawReply(1));
        Assert.Equal("*2\r\n:1\r\n$1\r\nB\r\n", Text(batch.RawReply(2)));
        Assert.False(batch.NeedsRetry(0) || batch.NeedsRetry(2));
        Assert.Equal(new[] { "GET a", "GET b" }, server.Received.Skip(1));
    }

    [Fact]
    public async Task RedirectsAndTryAgainBecomeRetriesAndOtherErrorsAreTheClients()
    {
        using var server = new ScriptedServer(line => line switch
        {
            "INFO server" => ScriptedServer.ServerInfo,
            "GET moved" => "-MOVED 5 127.0.0.1:7001\r\n",
            "GET asked" => "-ASK 5 127.0.0.1:7001\r\n",
            "GET again" => "-TRYAGAIN Multiple keys request during rehashing of slot\r\n",
            "GET wrong" => "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            _ => "-ERR unexpected " + line + "\r\n",
        });
        using RedisConnection link = await server.ConnectAsync();
        SmartBatch batch = new SmartBatch().Reset(4);
        Relay(batch, link, "moved", 0);
        Relay(batch, link, "asked", 1);
        Relay(batch, link, "again", 2);
        Relay(batch, link, "wrong", 3);

        await Within(batch.SendRelayedAsync(CancellationToken.None));

        for (int i = 0; i < 3; i++)
        {
            Assert.True(batch.NeedsRetry(i), "command " + i + " should run again through the router");
            Assert.False(batch.HasRawReply(i));
        }

        Assert.False(batch.NeedsRetry(3));
        Assert.StartsWith("-WRONGTYPE", Text(batch.RawReply(3)));
    }

    [Fact]
    public async Task ACommandInFlightWhenTheConnectionBreaksIsAnsweredWithAnErrorNotSentAgain()
    {
        using var server = new ScriptedServer(line => line switch
        {
            "INFO server" => ScriptedServer.ServerInfo,
            "GET a" => "$1\r\nA\r\n",
            _ => throw new IOException("the node goes away with the command unanswered"),
        });
        using RedisConnection link = await server.ConnectAsync();
        SmartBatch batch = new SmartBatch().Reset(2);
        Relay(batch, link, "a", 0);
        Relay(batch, link, "gone", 1);

        await Within(batch.SendRelayedAsync(CancellationToken.None));

        Assert.Equal("$1\r\nA\r\n", Text(batch.RawReply(0)));
        Assert.False(batch.NeedsRetry(1));
        Assert.False(batch.HasRawReply(1));
        Assert.True(batch.Replies[1]!.IsError);
        Assert.Contains("it may have run", batch.Replies[1]!.GetString());
    }

    [Fact]
    public async Task ACommandForAConnectionBrokenBeforeItWasQueuedRunsAgainThroughTheRouter()
    {
        using var server = new ScriptedServer(line => line == "INFO server" ? ScriptedServer.ServerInfo : "-ERR unexpected\r\n");
        RedisConnection link = await server.ConnectAsync();
        link.Dispose();
        SmartBatch batch = new SmartBatch().Reset(1);
        Relay(batch, link, "a", 0);

        await Within(batch.SendRelayedAsync(CancellationToken.None));

        Assert.True(batch.NeedsRetry(0));
        Assert.Null(batch.Replies[0]);
    }

    [Fact]
    public async Task TheBatchWaitsForItsLastReply()
    {
        using var release = new ManualResetEventSlim();
        using var server = new ScriptedServer(line =>
        {
            switch (line)
            {
                case "INFO server":
                    return ScriptedServer.ServerInfo;
                case "GET slow":
                    // The scripted node's own thread waits; the first reply is already out.
                    Assert.True(release.Wait(TimeSpan.FromSeconds(30)));
                    return "$4\r\nSLOW\r\n";
                default:
                    return "$4\r\nFAST\r\n";
            }
        });
        using RedisConnection link = await server.ConnectAsync();
        SmartBatch batch = new SmartBatch().Reset(2);
        Relay(batch, link, "fast", 0);
        Relay(batch, link, "slow", 1);

        Task replied = batch.SendRelayedAsync(CancellationToken.None);
        SpinWait.SpinUntil(() => batch.HasRawReply(0), TimeSpan.FromSeconds(30));
        Assert.True(batch.HasRawReply(0));
        Assert.False(replied.IsCompleted);

        release.Set();
        await Within(replied);
        Assert.Equal("$4\r\nSLOW\r\n", Text(batch.RawReply(1)));
    }

    [Fact]
    public async Task AWaitTheSessionCancelsEndsAtOnceAndALateReplyDoesNoHarm()
    {
        using var release = new ManualResetEventSlim();
        using var server = new ScriptedServer(line =>
        {
            if (line == "INFO server")
            {
                return ScriptedServer.ServerInfo;
            }

            Assert.True(release.Wait(TimeSpan.FromSeconds(30)));
            return "$4\r\nLATE\r\n";
        });
        using RedisConnection link = await server.ConnectAsync();
        using var session = new CancellationTokenSource();
        SmartBatch batch = new SmartBatch().Reset(1);
        Relay(batch, link, "late", 0);

        Task replied = batch.SendRelayedAsync(session.Token);
        Assert.False(replied.IsCompleted);
        session.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Within(replied));
        batch.EndWait();

        release.Set();
        SpinWait.SpinUntil(() => batch.HasRawReply(0), TimeSpan.FromSeconds(30));
        Assert.Equal("$4\r\nLATE\r\n", Text(batch.RawReply(0)));
    }
}
