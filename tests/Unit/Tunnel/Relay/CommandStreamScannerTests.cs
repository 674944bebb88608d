using System.Buffers;
using System.Text;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel;
using RedisCluster.Engine.Tunnel.Relay;
using Xunit;
using static RedisCluster.Tests.Tunnel.StreamFeeder;

namespace RedisCluster.Tests.Tunnel.Relay;

/// <summary>The client side of the tunnel on its own: commands cut at every byte boundary.</summary>
public sealed class CommandStreamScannerTests
{
    private const string TunnelAuth = "*3\r\n$4\r\nAUTH\r\n$6\r\ntunnel\r\n$6\r\nsecret\r\n";

    private static string Cmd(params string[] args)
    {
        var sb = new StringBuilder("*" + args.Length + "\r\n");
        foreach (string a in args)
        {
            sb.Append('$').Append(Encoding.UTF8.GetByteCount(a)).Append("\r\n").Append(a).Append("\r\n");
        }

        return sb.ToString();
    }

    private static CommandStreamScanner New(bool credential, List<(long, ClientCommandKind)>? notable = null, RespLimits? limits = null)
    {
        var scanner = new CommandStreamScanner(limits ?? RespLimits.Default, 64 * 1024, credential ? () => Bytes(TunnelAuth) : null);
        if (notable != null)
        {
            scanner.Notable = (ordinal, kind) => notable.Add((ordinal, kind));
        }

        return scanner;
    }

    [Fact]
    public void PipelineIsRelayedWithCredentialsReplacedHoweverItIsCut()
    {
        string big = new string('v', 100_000);
        string input = Cmd("PING")
            + Cmd("AUTH", "alice", "wrong")
            + Cmd("auth", "xyz")
            + Cmd("HELLO", "3", "AUTH", "u", "p", "SETNAME", "app")
            + Cmd("CLUSTER", "slots")
            + "*0\r\n"
            + Cmd("SET", "k", big)
            + Cmd("cluster", "NODES")
            + Cmd("SUBSCRIBE", "c")
            + Cmd("AUTH", "a", "b", "c");
        string expected = Cmd("PING")
            + TunnelAuth
            + TunnelAuth
            + Cmd("HELLO", "3", "SETNAME", "app")
            + Cmd("CLUSTER", "slots")
            + "*0\r\n"
            + Cmd("SET", "k", big)
            + Cmd("cluster", "NODES")
            + Cmd("SUBSCRIBE", "c")
            + Cmd("AUTH", "a", "b", "c");
        byte[] data = Bytes(input);
        foreach (var (name, chunks) in Splits(data).Where((_, i) => i < 400 || i % 101 == 0 || i > data.Length - 400))
        {
            var notable = new List<(long, ClientCommandKind)>();
            CommandStreamScanner scanner = New(credential: true, notable);
            string output = Text(Feed(chunks, scanner.Process, out byte[] leftover));
            Assert.True(expected == output, name + ": output differs");
            Assert.Empty(leftover);
            Assert.Null(scanner.ProtocolError);
            Assert.Equal(9, scanner.CommandsCompleted);
            Assert.Equal(new (long, ClientCommandKind)[]
            {
                (4, ClientCommandKind.ClusterSlots), (6, ClientCommandKind.ClusterNodes), (7, ClientCommandKind.Desync),
            }, notable);
        }
    }

    [Fact]
    public void WithoutATunnelCredentialAuthAndHelloPassUnchanged()
    {
        string input = Cmd("AUTH", "alice", "pw") + Cmd("HELLO", "3", "AUTH", "alice", "pw");
        CommandStreamScanner scanner = New(credential: false);
        Assert.Equal(input, Text(Feed(new[] { Bytes(input) }, scanner.Process, out _)));
        Assert.Equal(2, scanner.CommandsCompleted);
    }

    [Fact]
    public void ClientReplyAndMonitorStopReplyPairing()
    {
        var notable = new List<(long, ClientCommandKind)>();
        CommandStreamScanner scanner = New(credential: false, notable);
        Feed(new[] { Bytes(Cmd("CLIENT", "REPLY", "OFF") + Cmd("CLIENT", "LIST") + Cmd("MONITOR")) }, scanner.Process, out _);
        Assert.Equal(new (long, ClientCommandKind)[] { (0, ClientCommandKind.Desync), (2, ClientCommandKind.Desync) }, notable);
    }

    [Theory]
    [InlineData("SET k \"abc\r\n", "")]
    [InlineData("*1\r\n:5\r\n", "")]
    [InlineData("*1\r\n$-5\r\n", "")]
    [InlineData("*1\r\n$4\r\nPINGxx\r\n", "*1\r\n$4\r\nPING")]
    [InlineData("*x\r\n", "")]
    [InlineData("*1\r\n$4\r\nPING\r\nGET 'k'x\r\n", "*1\r\n$4\r\nPING\r\n")]
    [InlineData("*2\r\n$3\r\nGET\r\n$01\r\nk\r\n", "*2\r\n$3\r\nGET\r\n$0")]
    public void GarbageIsAProtocolErrorAndNothingAfterItIsRelayed(string input, string relayed)
    {
        foreach (var (name, chunks) in Splits(Bytes(input)))
        {
            CommandStreamScanner scanner = New(credential: true);
            string output = Text(Feed(chunks, scanner.Process, out _));
            Assert.NotNull(scanner.ProtocolError);
            // Complete commands before the garbage are relayed; of a command that turns out malformed, at most
            // the part that streamed before the fault showed (the upstream connection is closed anyway).
            bool ok = relayed.EndsWith("\r\n", StringComparison.Ordinal) || relayed.Length == 0 ? output == relayed : relayed.StartsWith(output, StringComparison.Ordinal);
            Assert.True(ok, name + ": relayed '" + output + "'");
        }
    }

    [Fact]
    public void LimitsApplyToWhatClientsDeclare()
    {
        var limits = new RespLimits { MaxBulkLength = 1000, MaxAggregateLength = 10 };
        CommandStreamScanner tooLong = New(credential: false, limits: limits);
        Feed(new[] { Bytes("*2\r\n$3\r\nSET\r\n$1001\r\n") }, tooLong.Process, out _);
        Assert.NotNull(tooLong.ProtocolError);

        CommandStreamScanner tooMany = New(credential: false, limits: limits);
        Feed(new[] { Bytes("*11\r\n") }, tooMany.Process, out _);
        Assert.NotNull(tooMany.ProtocolError);
    }

    [Fact]
    public void LargeArgumentsStreamWithoutBeingHeldWhole()
    {
        byte[] frame = Bytes(Cmd("SET", "k", new string('z', 1 << 20)));
        CommandStreamScanner scanner = New(credential: true);
        var output = new ArrayBufferWriter<byte>();
        byte[] pending = Array.Empty<byte>();
        long maxHeld = 0;
        for (int at = 0; at < frame.Length; at += 4096)
        {
            byte[] input = pending.Concat(frame.Skip(at).Take(4096)).ToArray();
            var sequence = new ReadOnlySequence<byte>(input);
            SequencePosition used = scanner.Process(sequence, output, out _);
            pending = sequence.Slice(used).ToArray();
            maxHeld = Math.Max(maxHeld, pending.Length);
        }

        Assert.True(maxHeld < 64, "held back " + maxHeld + " bytes");
        Assert.Equal(frame, output.WrittenSpan.ToArray());
        Assert.Equal(1, scanner.CommandsCompleted);
    }

    [Fact]
    public void InlineCommandsAreSentAsTheArraysTheyMeanWithRedisQuoting()
    {
        // Redis splits an inline line with its own quoting rules; the server must get the arguments Redis would see.
        string input = "SET k \"a b\"\r\n" + "\r\n" + "auth alice wrong\n" + "ping\r\n" + Cmd("GET", "k") + "cluster  nodes\r\n";
        string expected = Cmd("SET", "k", "a b") + TunnelAuth + Cmd("ping") + Cmd("GET", "k") + Cmd("cluster", "nodes");
        byte[] data = Bytes(input);
        foreach (var (name, chunks) in Splits(data))
        {
            var notable = new List<(long, ClientCommandKind)>();
            CommandStreamScanner scanner = New(credential: true, notable);
            string output = Text(Feed(chunks, scanner.Process, out byte[] leftover));
            Assert.True(expected == output, name + ": output differs: " + output);
            Assert.Empty(leftover);
            Assert.Null(scanner.ProtocolError);
            Assert.Equal(5, scanner.CommandsCompleted);
            Assert.Equal(new (long, ClientCommandKind)[] { (4, ClientCommandKind.ClusterNodes) }, notable);
        }
    }

    [Fact]
    public void AnInlineCommandLongerThanTheLimitIsRedisProtocolError()
    {
        var scanner = new CommandStreamScanner(RespLimits.Default, 1024, null);
        Feed(new[] { Bytes(new string('a', 2000)) }, scanner.Process, out _);
        Assert.Equal("too big inline request", scanner.ProtocolErrorReason);
    }
}
