using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Connections;
using RedisCluster.Tests.ClusterMetadata;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Connections;

/// <summary>
/// A connection forgets a request once it is answered: a large argument (a SET value relayed by the smart
/// tunnel) must become garbage when its reply is in, not stay referenced from the reply queue for the life of
/// the connection. Measured by whether the argument can be collected at all, which no other test or the
/// machine's load can disturb.
/// </summary>
[Collection(StandaloneCollection.Name)]
public sealed class AnsweredRequestRetentionTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly StandaloneFixture _fixture;

    public AnsweredRequestRetentionTests(StandaloneFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public async Task AnArgumentOfAnAnsweredCommandCanBeCollected()
    {
        using RedisConnection connection = await LiveConnections.OpenAsync(_fixture.Server.Port, 2, tls: false);
        var answered = new List<WeakReference>();
        for (int i = 0; i < 3; i++)
        {
            answered.Add(await SetAsync(connection, "retention:execute:" + i));
        }

        // The connection is still open and in use: only the requests are done.
        Assert.Equal("PONG", (await connection.ExecuteAsync(RedisCommand.Create("PING"))).GetString());
        Assert.True(Poll.Until(() => AllCollected(answered), Deadline), "an answered command's argument is still referenced");
    }

    [Fact]
    public async Task AnArgumentOfAnAnsweredQueuedCommandCanBeCollected()
    {
        // The smart tunnel's relay path.
        using RedisConnection connection = await LiveConnections.OpenAsync(_fixture.Server.Port, 2, tls: false);
        var answered = new List<WeakReference>();
        for (int i = 0; i < 3; i++)
        {
            var sink = new CountingSink();
            answered.Add(Queue(connection, sink, "retention:queue:" + i));
            connection.SendQueued();
            Assert.True(Poll.Until(() => sink.Replies == 1, Deadline), "no reply to the queued SET");
        }

        Assert.Equal("PONG", (await connection.ExecuteAsync(RedisCommand.Create("PING"))).GetString());
        Assert.True(Poll.Until(() => AllCollected(answered), Deadline), "an answered queued command's argument is still referenced");
    }

    private static bool AllCollected(List<WeakReference> references)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return references.TrueForAll(r => !r.IsAlive);
    }

    // Not inlined: the value must not live on in a local of the test method.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> SetAsync(RedisConnection connection, string key)
    {
        byte[] value = new byte[1024 * 1024];
        var command = RedisCommand.Create(new[] { Encoding.ASCII.GetBytes("SET"), Encoding.ASCII.GetBytes(key), value });
        Assert.Equal("OK", (await connection.ExecuteAsync(command)).GetString());
        return new WeakReference(value);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference Queue(RedisConnection connection, IRawReplySink sink, string key)
    {
        byte[] value = new byte[1024 * 1024];
        var command = RedisCommand.Create(new[] { Encoding.ASCII.GetBytes("SET"), Encoding.ASCII.GetBytes(key), value });
        connection.Queue(new[] { command }, sink, new[] { 0 });
        return new WeakReference(value);
    }

    private sealed class CountingSink : IRawReplySink
    {
        private int _replies;

        public int Replies => Volatile.Read(ref _replies);

        public void OnReply(int tag, ReadOnlySequence<byte> reply) => Interlocked.Increment(ref _replies);

        public void OnFailure(int tag, Exception error) => Interlocked.Increment(ref _replies);
    }
}
