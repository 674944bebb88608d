using System.Buffers;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel;
using RedisCluster.Engine.Tunnel.Relay;
using Xunit;
using static RedisCluster.Tests.Tunnel.RecordedReplies;
using static RedisCluster.Tests.Tunnel.StreamFeeder;

namespace RedisCluster.Tests.Tunnel.Relay;

/// <summary>
/// The reply side of the tunnel on its own: recorded replies, cut at every byte boundary, must come out
/// rewritten exactly where a node address is, and byte-identical everywhere else.
/// </summary>
public sealed class ReplyStreamRewriterTests
{
    private const string Local = "tunnel.local";

    private static FakeAddressMap Map() => new FakeAddressMap { AnnounceHost = Local }
        .Add("127.0.0.1", 22601, 7001, Id1)
        .Add("127.0.0.1", 22602, 7002, Id2)
        .Add("127.0.0.1", 22603, 7003, Id3);

    private static string RewrittenSlots(string recorded) => recorded
        .Replace("$9\r\n127.0.0.1\r\n:22601", "$12\r\n" + Local + "\r\n:7001")
        .Replace("$9\r\n127.0.0.1\r\n:22602", "$12\r\n" + Local + "\r\n:7002")
        .Replace("$9\r\n127.0.0.1\r\n:22603", "$12\r\n" + Local + "\r\n:7003");

    private static string RewrittenShards(string recorded)
    {
        string s = recorded.Replace("$9\r\n127.0.0.1\r\n", "$12\r\n" + Local + "\r\n");
        for (int i = 1; i <= 3; i++)
        {
            s = s.Replace("$8\r\ntls-port\r\n:2260" + i + "\r\n", "$4\r\nport\r\n:700" + i + "\r\n");
        }

        return s;
    }

    private static string RewrittenNodesText => NodesText(Local, 7001, Local, 7002, Local, 7003);

    /// <summary>A pipeline of replies of every kind, with the kinds the command side announced.</summary>
    private static (string Input, string Expected, (long, ClientCommandKind)[] Expect, long Replies) Pipeline(bool resp3)
    {
        var big = new string('x', 5000) + "-MOVED 1 127.0.0.1:22601\r\n" + new string('y', 3000);
        string input =
            "+OK\r\n"                                                   // 0
            + Bulk("hello")                                             // 1
            + "-MOVED 12182 127.0.0.1:22603\r\n"                        // 2
            + (resp3 ? SlotsResp3 : SlotsResp2)                         // 3 CLUSTER SLOTS
            + ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$4\r\nbody\r\n"       // a push: not a reply
            + (resp3 ? Verbatim(NodesRecorded) : Bulk(NodesRecorded))   // 4 CLUSTER NODES
            + "*2\r\n-ASK 5 127.0.0.1:22601\r\n:1\r\n"                  // 5 a redirect inside an aggregate
            + Bulk(big)                                                 // 6 a large value that merely contains the text
            + "|1\r\n+key\r\n+val\r\n:5\r\n"                            // 7 an attribute and its value
            + (resp3 ? ShardsResp3 : ShardsResp2)                       // 8 CLUSTER SHARDS
            + "+MOVED 1 127.0.0.1:22601\r\n"                            // 9 a status line, not an error: unchanged
            + "*-1\r\n";                                                // 10
        string expected =
            "+OK\r\n"
            + Bulk("hello")
            + "-MOVED 12182 " + Local + ":7003\r\n"
            + RewrittenSlots(resp3 ? SlotsResp3 : SlotsResp2)
            + ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$4\r\nbody\r\n"
            + (resp3 ? Verbatim(RewrittenNodesText) : Bulk(RewrittenNodesText))
            + "*2\r\n-ASK 5 " + Local + ":7001\r\n:1\r\n"
            + Bulk(big)
            + "|1\r\n+key\r\n+val\r\n:5\r\n"
            + RewrittenShards(resp3 ? ShardsResp3 : ShardsResp2)
            + "+MOVED 1 127.0.0.1:22601\r\n"
            + "*-1\r\n";
        var expect = new (long, ClientCommandKind)[]
        {
            (3, ClientCommandKind.ClusterSlots), (4, ClientCommandKind.ClusterNodes), (8, ClientCommandKind.ClusterShards),
        };
        return (input, expected, expect, 11);
    }

    private static byte[] Run(ReplyStreamRewriter rewriter, IEnumerable<byte[]> chunks, out byte[] leftover)
        => Feed(chunks, rewriter.Process, out leftover);

    private static ReplyStreamRewriter New(ITunnelAddressMap? map, params (long Ordinal, ClientCommandKind Kind)[] expect)
    {
        var rewriter = new ReplyStreamRewriter(map, "127.0.0.1", RespLimits.Default, 1 << 20);
        foreach (var (ordinal, kind) in expect)
        {
            rewriter.Expect(ordinal, kind);
        }

        return rewriter;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PipelineIsRewrittenIdenticallyHoweverItIsCut(bool resp3)
    {
        var (input, expected, expect, replies) = Pipeline(resp3);
        byte[] data = Bytes(input);
        foreach (var (name, chunks) in Splits(data))
        {
            ReplyStreamRewriter rewriter = New(Map(), expect);
            string output = Text(Run(rewriter, chunks, out byte[] leftover));
            Assert.True(expected == output, name + ": output differs\n--- expected ---\n" + expected + "\n--- actual ---\n" + output);
            Assert.Empty(leftover);
            Assert.Equal(replies, rewriter.RepliesCompleted);
        }
    }

    [Fact]
    public void RecordedTopologyRepliesAreRewrittenAlone()
    {
        var cases = new (ClientCommandKind Kind, string Input, string Expected)[]
        {
            (ClientCommandKind.ClusterSlots, SlotsResp2, RewrittenSlots(SlotsResp2)),
            (ClientCommandKind.ClusterSlots, SlotsResp3, RewrittenSlots(SlotsResp3)),
            (ClientCommandKind.ClusterShards, ShardsResp2, RewrittenShards(ShardsResp2)),
            (ClientCommandKind.ClusterShards, ShardsResp3, RewrittenShards(ShardsResp3)),
            (ClientCommandKind.ClusterNodes, Bulk(NodesRecorded), Bulk(RewrittenNodesText)),
            (ClientCommandKind.ClusterNodes, Verbatim(NodesRecorded), Verbatim(RewrittenNodesText)),
            (ClientCommandKind.ClusterReplicas, "*1\r\n" + Bulk(NodesRecorded.Split('\n')[0]), "*1\r\n" + Bulk(RewrittenNodesText.Split('\n')[0])),
        };
        foreach (var (kind, input, expected) in cases)
        {
            foreach (var (name, chunks) in Splits(Bytes(input)))
            {
                ReplyStreamRewriter rewriter = New(Map(), (0, kind));
                Assert.Equal(expected, Text(Run(rewriter, chunks, out byte[] leftover)));
                Assert.Empty(leftover);
                Assert.Equal(1, rewriter.RepliesCompleted);
            }
        }
    }

    [Fact]
    public void NodesLinesWithHostnamesReplicasAndNoAddressAreHandled()
    {
        string input = Id1 + " 10.0.0.1:6379@16379,redis-1.example master - 0 0 1 connected 0-5460 [93->-" + Id2 + "]\n"
            + Id2 + " 10.0.0.2:6379@16379 slave " + Id1 + " 0 0 1 connected\n"
            + Id3 + " :0@0 master,noaddr - 0 0 3 disconnected\n";
        var map = new FakeAddressMap { AnnounceHost = "127.0.0.1" }.Add("10.0.0.1", 6379, 6379).Add("10.0.0.2", 6379, 6380);
        string expected = Id1 + " 127.0.0.1:6379@16379,127.0.0.1 master - 0 0 1 connected 0-5460 [93->-" + Id2 + "]\n"
            + Id2 + " 127.0.0.1:6380@16379 slave " + Id1 + " 0 0 1 connected\n"
            + Id3 + " :0@0 master,noaddr - 0 0 3 disconnected\n";
        ReplyStreamRewriter rewriter = New(map, (0, ClientCommandKind.ClusterNodes));
        Assert.Equal(Bulk(expected), Text(Run(rewriter, new[] { Bytes(Bulk(input)) }, out _)));
    }

    [Fact]
    public void SlotsWithMetadataAndUnknownEndpointAreRewritten()
    {
        // RESP3 CLUSTER SLOTS with hostname metadata, and a node whose endpoint is "?".
        string input = "*1\r\n*4\r\n:0\r\n:16383\r\n"
            + "*4\r\n$8\r\n10.0.0.1\r\n:6379\r\n$40\r\n" + Id1 + "\r\n%2\r\n$8\r\nhostname\r\n$6\r\nredis1\r\n$2\r\nip\r\n$8\r\n10.0.0.1\r\n"
            + "*3\r\n$1\r\n?\r\n:6380\r\n$40\r\n" + Id2 + "\r\n";
        var map = new FakeAddressMap { AnnounceHost = "127.0.0.1" }.Add("10.0.0.1", 6379, 16379, Id1).Add("10.0.0.2", 6380, 16380, Id2);
        string expected = "*1\r\n*4\r\n:0\r\n:16383\r\n"
            + "*4\r\n$9\r\n127.0.0.1\r\n:16379\r\n$40\r\n" + Id1 + "\r\n%2\r\n$8\r\nhostname\r\n$9\r\n127.0.0.1\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n"
            + "*3\r\n$1\r\n?\r\n:16380\r\n$40\r\n" + Id2 + "\r\n";
        ReplyStreamRewriter rewriter = New(map, (0, ClientCommandKind.ClusterSlots));
        Assert.Equal(expected, Text(Run(rewriter, new[] { Bytes(input) }, out _)));
    }

    [Fact]
    public void ShardsWithBothPortsKeepOnlyTheLocalPlaintextPort()
    {
        string node = "%4\r\n$2\r\nid\r\n$40\r\n" + Id1 + "\r\n$4\r\nport\r\n:6379\r\n$8\r\ntls-port\r\n:6390\r\n$2\r\nip\r\n$8\r\n10.0.0.1\r\n";
        string input = "*1\r\n%2\r\n$5\r\nslots\r\n*0\r\n$5\r\nnodes\r\n*1\r\n" + node;
        var map = new FakeAddressMap { AnnounceHost = "127.0.0.1", UpstreamTls = true }.Add("10.0.0.1", 6390, 7390);
        string expected = "*1\r\n%2\r\n$5\r\nslots\r\n*0\r\n$5\r\nnodes\r\n*1\r\n"
            + "%3\r\n$2\r\nid\r\n$40\r\n" + Id1 + "\r\n$4\r\nport\r\n:7390\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n";
        ReplyStreamRewriter rewriter = New(map, (0, ClientCommandKind.ClusterShards));
        Assert.Equal(expected, Text(Run(rewriter, new[] { Bytes(input) }, out _)));
    }

    [Fact]
    public void RedirectWithEmptyHostUsesTheConnectedNode()
    {
        ReplyStreamRewriter rewriter = New(Map());
        Assert.Equal("-MOVED 5 " + Local + ":7002\r\n", Text(Run(rewriter, new[] { Bytes("-MOVED 5 :22602\r\n") }, out _)));
    }

    [Fact]
    public void UnknownAddressesAndOtherErrorsPassUnchanged()
    {
        var map = Map();
        string input = "-MOVED 1 10.9.9.9:6379\r\n-ERR MOVED is not a thing\r\n-ASK nonsense\r\n-WRONGTYPE Operation\r\n";
        ReplyStreamRewriter rewriter = New(map);
        Assert.Equal(input, Text(Run(rewriter, new[] { Bytes(input) }, out _)));
        Assert.Equal(new[] { "10.9.9.9:6379" }, map.Unknown);
        Assert.Equal(4, rewriter.RepliesCompleted);
    }

    [Fact]
    public void TopologyReplyIsNotPairedOnceRepliesStopFollowingCommands()
    {
        string input = "*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n" + Bulk(NodesRecorded) + "-MOVED 1 127.0.0.1:22601\r\n";
        ReplyStreamRewriter rewriter = New(Map(), (0, ClientCommandKind.Desync), (1, ClientCommandKind.ClusterNodes));
        string output = Text(Run(rewriter, new[] { Bytes(input) }, out _));
        Assert.Equal("*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n" + Bulk(NodesRecorded) + "-MOVED 1 " + Local + ":7001\r\n", output);
        Assert.True(rewriter.Desynced);
    }

    [Fact]
    public void WithoutAMapEverythingPassesAndIsCounted()
    {
        var (input, _, expect, replies) = Pipeline(resp3: true);
        foreach (var (name, chunks) in Splits(Bytes(input)).Where((_, i) => i % 97 == 0))
        {
            ReplyStreamRewriter rewriter = New(null, expect);
            Assert.Equal(input, Text(Run(rewriter, chunks, out byte[] leftover)));
            Assert.Empty(leftover);
            Assert.Equal(replies, rewriter.RepliesCompleted);
        }
    }

    [Fact]
    public void LargeValuesStreamWithoutBeingHeldWhole()
    {
        // 1 MB arriving in 4 KB reads: each read must be relayed at once, not kept until the value is complete.
        byte[] payload = new byte[1 << 20];
        new Random(7).NextBytes(payload);
        byte[] frame = Bytes("$" + payload.Length + "\r\n").Concat(payload).Concat(Bytes("\r\n")).ToArray();
        ReplyStreamRewriter rewriter = New(Map());
        var output = new ArrayBufferWriter<byte>();
        long maxHeld = 0;
        byte[] pending = Array.Empty<byte>();
        for (int at = 0; at < frame.Length; at += 4096)
        {
            byte[] input = pending.Concat(frame.Skip(at).Take(4096)).ToArray();
            var sequence = new ReadOnlySequence<byte>(input);
            SequencePosition used = rewriter.Process(sequence, output, out _);
            pending = sequence.Slice(used).ToArray();
            maxHeld = Math.Max(maxHeld, pending.Length);
        }

        Assert.True(maxHeld < 64, "held back " + maxHeld + " bytes");
        Assert.Equal(frame, output.WrittenSpan.ToArray());
        Assert.Equal(1, rewriter.RepliesCompleted);
    }

    [Fact]
    public void MalformedServerStreamIsAProtocolError()
    {
        ReplyStreamRewriter rewriter = New(Map());
        Assert.Throws<RespProtocolException>(() => Run(rewriter, new[] { Bytes("+OK\r\n@what\r\n") }, out _));
    }

    [Fact]
    public void ALocalReplyOnceWrittenIsNoLongerReferenced()
    {
        // A queue that kept what it had handed out would keep every refusal a long-lived client was ever sent.
        ReplyStreamRewriter rewriter = New(null);
        var output = new ArrayBufferWriter<byte>();
        WeakReference[] sent = Enumerable.Range(0, 3).Select(i => QueueLocalReply(rewriter, i)).ToArray();
        rewriter.WriteDueLocalReplies(output);
        Assert.Equal(3 * LocalReplyLength, output.WrittenCount);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.DoesNotContain(sent, reply => reply.IsAlive);
        GC.KeepAlive(rewriter);
    }

    private const int LocalReplyLength = 1024;

    // Not inlined, so that no local of the test method roots the array.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference QueueLocalReply(ReplyStreamRewriter rewriter, long ordinal)
    {
        byte[] reply = Bytes("-ERR " + new string('r', LocalReplyLength - 7) + "\r\n");
        rewriter.AnswerLocally(ordinal, reply);
        return new WeakReference(reply);
    }
}
