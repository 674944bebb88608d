using System.Text;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel;
using RedisCluster.Engine.Tunnel.Relay;
using RedisCluster.Tests.ClusterMetadata;
using RedisCluster.Tests.Infrastructure;
using Xunit;
using static RedisCluster.Tests.Tunnel.StreamFeeder;
using RedisCluster.Engine.Tunnel.Hosting;

namespace RedisCluster.Tests.Tunnel.Relay;

/// <summary>The standalone/pinned relay's pump and its two filters, over fake streams.</summary>
public sealed class RelayPumpTests
{
    private const string TunnelAuth = "*3\r\n$4\r\nAUTH\r\n$6\r\ntunnel\r\n$6\r\nsecret\r\n";

    private static string Cmd(params string[] args) => Text(RawRespClient.Encode(args));

    private static RelayPump Pump(Stream source, Stream destination, IRelayFilter filter)
        => new RelayPump(source, destination, filter, 64 * 1024, 64 * 1024, null, _ => new ValueTask<bool>(true));

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    [InlineData(1 << 20)]
    public async Task CommandsAreRelayedWhateverTheReadSizesWithTheTunnelsAuthAndLargeFramesHeldWhole(int readSize)
    {
        // A HELLO larger than the pump's first buffer must be held whole; a large value streams through.
        string name = new string('n', 10_000);
        string big = new string('v', 300_000);
        string input = Cmd("PING") + Cmd("AUTH", "alice", "wrong") + Cmd("HELLO", "3", "AUTH", "u", "p", "SETNAME", name)
            + Cmd("SET", "k", big) + Cmd("GET", "k");
        string expected = Cmd("PING") + TunnelAuth + Cmd("HELLO", "3", "SETNAME", name) + Cmd("SET", "k", big) + Cmd("GET", "k");
        var scanner = new CommandStreamScanner(RespLimits.Default, 64 * 1024, () => Bytes(TunnelAuth));
        var source = new ChunkedSource(Bytes(input), readSize);
        var destination = new MemoryStream();

        await Pump(source, destination, scanner).RunAsync();

        Assert.True(expected == Text(destination.ToArray()), "output differs at read size " + readSize);
        Assert.Equal(5, scanner.CommandsCompleted);
        Assert.Null(scanner.ProtocolError);
    }

    [Fact]
    public async Task TheNextReadWaitsUntilTheWriteHasGoneOut()
    {
        var source = new ChunkedSource(Bytes(Cmd("PING") + Cmd("PING")), Cmd("PING").Length);
        var destination = new GatedDestination();
        var scanner = new CommandStreamScanner(RespLimits.Default, 64 * 1024, null);
        Task run = Pump(source, destination, scanner).RunAsync();

        Assert.True(Poll.Until(() => destination.WritesStarted == 1, TimeSpan.FromSeconds(30)), "the first write never started");
        Assert.Equal(1, source.Reads);
        destination.Release();
        Assert.True(Poll.Until(() => destination.WritesStarted == 2, TimeSpan.FromSeconds(30)), "the second write never started");
        Assert.Equal(2, source.Reads);
        destination.Release();
        await run;
        Assert.Equal(3, source.Reads);
        Assert.Equal(Cmd("PING") + Cmd("PING"), Text(destination.Written.ToArray()));
    }

    [Fact]
    public async Task ARefusedCommandInsideMultiTurnsExecIntoDiscardAndItsOkIntoExecAbort()
    {
        var options = new TunnelOptions(new RedisEndpoint("127.0.0.1", 6379), new ConnectionOptions()) { DenyCommands = new List<string> { "APPEND" } };
        ReplyBuilder r = ReplyBuilder.V2;
        CommandTable table = CommandTable.Parse(r.Arr(
            CommandReplies.Entry(r, "set", -3, new[] { "write" }, 1, 1, 1, new[] { "@write", "@string" }),
            CommandReplies.Entry(r, "append", 3, new[] { "write" }, 1, 1, 1, new[] { "@write", "@string" })));
        var replies = new ReplyStreamRewriter(null, "127.0.0.1", RespLimits.Default, 64 * 1024);
        var commands = new CommandStreamScanner(RespLimits.Default, 64 * 1024, null)
        {
            Gate = new TunnelClientGate(TunnelAccessPolicy.Create(options, table)!),
            Notable = replies.Expect,
            LocalReply = replies.AnswerLocally,
        };
        string sent = Cmd("MULTI") + Cmd("SET", "k", "1") + Cmd("APPEND", "k", "x") + Cmd("EXEC")
            + Cmd("MULTI") + Cmd("SET", "k", "2") + Cmd("EXEC");
        var upstream = new MemoryStream();
        await Pump(new ChunkedSource(Bytes(sent), 5), upstream, commands).RunAsync();
        Assert.Equal(Cmd("MULTI") + Cmd("SET", "k", "1") + Cmd("DISCARD") + Cmd("MULTI") + Cmd("SET", "k", "2") + Cmd("EXEC"), Text(upstream.ToArray()));

        string served = "+OK\r\n+QUEUED\r\n+OK\r\n+OK\r\n+QUEUED\r\n*1\r\n+OK\r\n";
        var client = new MemoryStream();
        await Pump(new ChunkedSource(Bytes(served), 3), client, replies).RunAsync();
        string[] lines = Text(client.ToArray()).Split("\r\n");
        Assert.Equal(new[] { "+OK", "+QUEUED", "-NOPERM this user has no permissions to run the 'append' command",
            "-EXECABORT Transaction discarded because of previous errors.", "+OK", "+QUEUED", "*1", "+OK", string.Empty }, lines);
        Assert.Equal(7, replies.RepliesCompleted);
    }

    /// <summary>A source that hands out its bytes at most <c>readSize</c> at a time, then ends.</summary>
    private sealed class ChunkedSource : Stream
    {
        private readonly byte[] _data;
        private readonly int _readSize;
        private int _position;
        private int _reads;

        public ChunkedSource(byte[] data, int readSize)
        {
            _data = data;
            _readSize = readSize;
        }

        /// <summary>Reads that asked for data (the pump's zero-byte waits for data are not counted).</summary>
        public int Reads => Volatile.Read(ref _reads);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (count > 0)
            {
                Interlocked.Increment(ref _reads);
            }

            int n = Math.Min(Math.Min(count, _readSize), _data.Length - _position);
            Buffer.BlockCopy(_data, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>A destination whose writes finish only when the test releases them.</summary>
    private sealed class GatedDestination : Stream
    {
        private readonly SemaphoreSlim _release = new SemaphoreSlim(0);
        private int _started;

        public MemoryStream Written { get; } = new MemoryStream();

        public int WritesStarted => Volatile.Read(ref _started);

        public void Release() => _release.Release();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Written.Write(buffer, offset, count);
            Interlocked.Increment(ref _started);
            await _release.WaitAsync(cancellationToken);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
            => new ValueTask(WriteAsync(buffer.ToArray(), 0, buffer.Length, cancellationToken));

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
