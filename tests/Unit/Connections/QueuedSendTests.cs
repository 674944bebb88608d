using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using RedisCluster.Engine.Protocol;
using RedisCluster.Tests.ClusterMetadata;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Connections;

/// <summary>
/// RedisConnection.Queue / SendQueued, the smart tunnel's relay path, against a real server: replies come back
/// as the server's bytes with their tags, in order per caller, however many callers share the connection,
/// and each tag hears exactly once, by reply or by failure.
/// </summary>
[Collection(StandaloneCollection.Name)]
public sealed class QueuedSendTests
{
    private readonly StandaloneFixture _fixture;

    public QueuedSendTests(StandaloneFixture fixture)
    {
        _fixture = fixture;
    }

    [Theory]
    [InlineData(2, "*2\r\n$1\r\nf\r\n$1\r\nv\r\n")]
    [InlineData(3, "%1\r\n$1\r\nf\r\n$1\r\nv\r\n")]
    public async Task RepliesAreTheServersBytesInTheConnectionsProtocol(int protocol, string hash)
    {
        using RedisConnection connection = await LiveConnections.OpenAsync(_fixture.Server.Port, protocol, tls: false);
        string key = "queued:hash:" + protocol;
        var sink = new RecordingSink();
        Queue(connection, sink, new[] { 10, 11, 12, 13 }, C("DEL", key), C("HSET", key, "f", "v"), C("HGETALL", key), C("GET", key));
        connection.SendQueued();
        await sink.WaitFor(4, connection);

        Assert.Equal(new[] { 10, 11, 12, 13 }, sink.Tags);
        Assert.Equal(":1\r\n", sink.Replies[1]);
        Assert.Equal(hash, sink.Replies[2]);
        Assert.StartsWith("-WRONGTYPE", sink.Replies[3]);
        Assert.Equal(0, sink.Failures);
    }

    [Fact]
    public async Task ConcurrentCallersEachGetTheirOwnRepliesInOrder()
    {
        using RedisConnection connection = await LiveConnections.OpenAsync(_fixture.Server.Port, 2, tls: false);
        var callers = Enumerable.Range(0, 20).Select(c => Task.Run(async () =>
        {
            for (int round = 0; round < 10; round++)
            {
                var sink = new RecordingSink();
                var commands = new List<RedisCommand>();
                for (int i = 0; i < 25; i++)
                {
                    commands.Add(C("SET", "queued:cc:" + c + ":" + i, c + "/" + round + "/" + i));
                    commands.Add(C("GET", "queued:cc:" + c + ":" + i));
                }

                connection.Queue(commands, sink, Enumerable.Range(0, commands.Count).ToList());
                connection.SendQueued();
                await sink.WaitFor(commands.Count, connection);
                Assert.Equal(Enumerable.Range(0, commands.Count), sink.Tags);
                for (int i = 0; i < 25; i++)
                {
                    string value = c + "/" + round + "/" + i;
                    Assert.Equal("+OK\r\n", sink.Replies[2 * i]);
                    Assert.Equal("$" + value.Length + "\r\n" + value + "\r\n", sink.Replies[(2 * i) + 1]);
                }
            }
        })).ToArray();
        await Task.WhenAll(callers);
    }

    [Fact]
    public async Task ASinkMayReuseItsTagListOnceItsLastReplyIsIn()
    {
        // A relay reuses its lists for the next read as soon as the last reply is in, possibly on the reader's own thread.
        using RedisConnection connection = await LiveConnections.OpenAsync(_fixture.Server.Port, 2, tls: false);
        var tags = new List<int> { 0, 1, 2 };
        var commands = new List<RedisCommand> { C("ECHO", "a"), C("ECHO", "b"), C("ECHO", "c") };
        var sink = new RecordingSink();
        sink.OnLast = 3;
        sink.Reached = () =>
        {
            tags.Clear();
            tags.AddRange(new[] { 7, 8, 9, 10, 11 });
            commands.Clear();
            commands.AddRange(new[] { C("ECHO", "d"), C("ECHO", "e"), C("ECHO", "f"), C("ECHO", "g"), C("ECHO", "h") });
            connection.Queue(commands, sink, tags);
            connection.SendQueued();
        };
        connection.Queue(commands, sink, tags);
        connection.SendQueued();
        await sink.WaitFor(8, connection);

        Assert.Equal(new[] { 0, 1, 2, 7, 8, 9, 10, 11 }, sink.Tags);
        Assert.Equal(new[] { "a", "b", "c", "d", "e", "f", "g", "h" }, sink.Replies.Select(r => r.Split("\r\n")[1]));
        Assert.Equal("PONG", (await connection.ExecuteAsync(C("PING"))).GetString());
    }

    [Fact]
    public async Task ACommandLargerThanOneSendSliceArrivesWholeAndInOrder()
    {
        // Queued bytes go to the socket a megabyte at a time; the value must reach the server intact, between its neighbours.
        using RedisConnection connection = await LiveConnections.OpenAsync(_fixture.Server.Port, 2, tls: false);
        var value = new byte[(3 * 1024 * 1024) + 17];
        new Random(7).NextBytes(value);
        var sink = new RecordingSink();
        var set = RedisCommand.Create(new[] { Encoding.ASCII.GetBytes("SET"), Encoding.ASCII.GetBytes("queued:sliced"), value });
        connection.Queue(new[] { C("ECHO", "before"), set, C("STRLEN", "queued:sliced"), C("ECHO", "after") }, sink, new[] { 0, 1, 2, 3 });
        connection.SendQueued();
        await sink.WaitFor(4, connection);

        Assert.Equal(new[] { "$6\r\nbefore\r\n", "+OK\r\n", ":" + value.Length + "\r\n", "$5\r\nafter\r\n" }, sink.Replies);
        Assert.Equal(value, (await connection.ExecuteAsync(C("GET", "queued:sliced"))).GetBytes());
    }

    [Fact]
    public async Task ABrokenConnectionFailsEveryQueuedTagOnceAndRefusesMore()
    {
        RedisConnection connection = await LiveConnections.OpenAsync(_fixture.Server.Port, 2, tls: false);
        var sink = new RecordingSink();

        // The first blocks the connection for good (BLPOP 0), so the rest are still owed when it breaks, however
        // long the machine takes to get there.
        int blockedBefore = _fixture.Server.BlockedClients();
        Queue(connection, sink, new[] { 1, 2, 3 }, C("BLPOP", "queued:never", "0"), C("PING"), C("PING"));
        connection.SendQueued();
        Assert.True(Poll.Until(() => _fixture.Server.BlockedClients() > blockedBefore, Poll.Deadline), "the BLPOP never reached the server");
        connection.Dispose();
        await sink.WaitFor(3, barrier: null);

        Assert.Equal(3, sink.Failures);
        Assert.Equal(new[] { 1, 2, 3 }, sink.Tags.OrderBy(t => t));

        // Refused before a byte is queued: the caller knows the command never reached the server.
        Assert.Throws<RedisNotSentException>(() => Queue(connection, sink, new[] { 4 }, C("PING")));
        Assert.Equal(3, sink.Tags.Count);
    }

    [Fact]
    public async Task ACommandSentOnAQueuedConnectionTakesItsPlaceBehindTheQueue()
    {
        // The smart tunnel asks a node CLIENT LIST over the connection that relays other clients' commands. Written
        // directly, the question overtook commands still in the queue on the wire while its reply was expected after
        // theirs: each got the other's reply. On a connection that queues, every command goes through the queue.
        using RedisConnection connection = await LiveConnections.OpenAsync(_fixture.Server.Port, 2, tls: false);
        var sink = new RecordingSink();
        Queue(connection, sink, new[] { 1, 2 }, C("SET", "queued:question", "relayed"), C("GET", "queued:question"));
        Task<RespValue> question = connection.ExecuteAsync(C("ECHO", "question"));
        Task<RedisReply[]> batch = connection.ExecuteBatchAsync(new[] { C("ECHO", "one"), C("ECHO", "two") });
        await sink.WaitFor(2, null);

        Assert.Equal(new[] { "+OK\r\n", "$7\r\nrelayed\r\n" }, sink.Replies);
        Assert.Equal("question", (await question.WaitAsync(Poll.Deadline)).GetString());
        Assert.Equal(new[] { "one", "two" }, (await batch.WaitAsync(Poll.Deadline)).Select(r => r.Value.GetString()));
    }

    private static void Queue(RedisConnection connection, IRawReplySink sink, int[] tags, params RedisCommand[] commands)
        => connection.Queue(commands, sink, tags);

    private static RedisCommand C(params string[] args) => RedisCommand.Create(args);

    private sealed class RecordingSink : IRawReplySink
    {
        private readonly ConcurrentQueue<(int Tag, string? Reply)> _heard = new();
        private int _count;

        public int OnLast { get; set; } = -1;

        public Action? Reached { get; set; }

        public List<int> Tags => _heard.Select(h => h.Tag).ToList();

        public List<string> Replies => _heard.Select(h => h.Reply ?? "(failed)").ToList();

        public int Failures => _heard.Count(h => h.Reply == null);

        public void OnReply(int tag, ReadOnlySequence<byte> reply)
        {
            _heard.Enqueue((tag, Encoding.UTF8.GetString(reply.ToArray())));
            Heard();
        }

        public void OnFailure(int tag, Exception error)
        {
            _heard.Enqueue((tag, null));
            Heard();
        }

        /// <summary>
        /// Waits until <paramref name="count"/> tags have heard. With a live <paramref name="barrier"/> connection, a
        /// PING queued after them proves that no tag hears twice: its reply comes after every reply queued before it.
        /// </summary>
        public async Task WaitFor(int count, RedisConnection? barrier)
        {
            Assert.True(await Poll.UntilAsync(() => Task.FromResult(Volatile.Read(ref _count) >= count), Poll.Deadline), "only " + _count + " of " + count + " replies");
            if (barrier != null)
            {
                var after = new RecordingSink();
                barrier.Queue(new[] { C("PING") }, after, new[] { 0 });
                barrier.SendQueued();
                await after.WaitFor(1, barrier: null);
                Assert.Equal("+PONG\r\n", Assert.Single(after.Replies));
            }

            Assert.Equal(count, Volatile.Read(ref _count));
        }

        private void Heard()
        {
            if (Interlocked.Increment(ref _count) == OnLast)
            {
                Reached?.Invoke();
            }
        }
    }
}
