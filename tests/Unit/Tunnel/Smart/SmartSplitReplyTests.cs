using System.Buffers;
using System.Text;
using RedisCluster.Engine.Commands;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Routing;
using RedisCluster.Engine.Tunnel;
using Xunit;
using RedisCluster.Engine.Tunnel.Smart;

namespace RedisCluster.Tests.Tunnel.Smart;

/// <summary>How a split MGET, EXISTS or TOUCH is put back together from its parts' reply bytes.</summary>
public sealed class SmartSplitReplyTests
{
    [Fact]
    public void MgetElementsGoBackToTheirKeysPositions()
    {
        // Keys 0..4; the first part had keys 0, 3 and 4, the second 1 and 2.
        var reply = Split("MGET", new[] { 0, 3, 4 }, new[] { 1, 2 });
        Assert.False(Add(reply, 0, "*3\r\n$1\r\na\r\n$-1\r\n*2\r\n:1\r\n:2\r\n"));
        Assert.True(Add(reply, 1, "*2\r\n_\r\n$2\r\ncc\r\n"));
        Assert.Equal("*5\r\n$1\r\na\r\n_\r\n$2\r\ncc\r\n$-1\r\n*2\r\n:1\r\n:2\r\n", Compose(reply));
    }

    [Fact]
    public void ABulkStringThatHoldsLineEndsOrIsEmptyKeepsItsLength()
    {
        var reply = Split("MGET", new[] { 1, 2 }, new[] { 0, 3 });
        Assert.False(Add(reply, 0, "*2\r\n$6\r\na\r\n$1\r\r\n$0\r\n\r\n"));
        Assert.True(Add(reply, 1, "*2\r\n:-12\r\n$3\r\n*1\r\r\n"));
        Assert.Equal("*4\r\n:-12\r\n$6\r\na\r\n$1\r\r\n$0\r\n\r\n$3\r\n*1\r\r\n", Compose(reply));
    }

    [Fact]
    public void ABulkStringShorterThanItsHeaderSaysDoesNotFit()
    {
        var reply = Split("MGET", new[] { 0 }, new[] { 1 });
        Add(reply, 0, "*1\r\n$5\r\nab\r\n");
        Add(reply, 1, "*1\r\n$1\r\nb\r\n");
        var output = new GrowableBuffer();
        Assert.False(reply.TryCompose(Replies.WrittenMemory, output));
        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public void TheReplyGoesAfterItsPartsInTheirOwnBufferEvenWhenItGrows()
    {
        // As in SmartBatch: the composed reply is appended to the buffer that holds the parts, whose array grows meanwhile.
        var reply = Split("MGET", new[] { 1 }, new[] { 0 });
        Add(reply, 0, "*1\r\n$5\r\nfirst\r\n");
        Add(reply, 1, "*1\r\n$6\r\nsecond\r\n");
        int start = Replies.WrittenCount;
        int capacity = Replies.Capacity;
        Assert.True(reply.TryCompose(Replies.WrittenMemory, Replies));
        Assert.True(Replies.Capacity > capacity);
        Assert.Equal("*2\r\n$6\r\nsecond\r\n$5\r\nfirst\r\n", Encoding.ASCII.GetString(Replies.WrittenSpan.Slice(start)));
    }

    [Fact]
    public void CountsAreAddedUp()
    {
        var reply = Split("EXISTS", new[] { 0, 2 }, new[] { 1 });
        Add(reply, 0, ":2\r\n");
        Add(reply, 1, ":0\r\n");
        Assert.Equal(":2\r\n", Compose(reply));
    }

    [Fact]
    public void APartsErrorIsTheReply()
    {
        var reply = Split("MGET", new[] { 0 }, new[] { 1 });
        Add(reply, 0, "*1\r\n$1\r\na\r\n");
        Add(reply, 1, "-NOPERM this user has no permissions to access one of the keys\r\n");
        Assert.StartsWith("-NOPERM", Compose(reply));
    }

    [Fact]
    public void APartThatMustRunAgainOrDoesNotFitFailsTheWhole()
    {
        var failed = Split("MGET", new[] { 0 }, new[] { 1 });
        Assert.False(failed.Fail(0));
        Assert.True(Add(failed, 1, "*1\r\n$1\r\nb\r\n"));
        Assert.True(failed.Failed);

        // Fewer elements than keys: not a reply to these parts.
        var misfit = Split("MGET", new[] { 0, 1 }, new[] { 2 });
        Add(misfit, 0, "*1\r\n$1\r\na\r\n");
        Add(misfit, 1, "*1\r\n$1\r\nc\r\n");
        var output = new GrowableBuffer();
        Assert.False(misfit.TryCompose(Replies.WrittenMemory, output));
        Assert.Equal(0, output.WrittenCount);
    }

    private static SmartSplitReply Split(string name, params int[][] ordinals)
    {
        var parts = ordinals.Select((o, p) => new SlotSplit(RedisCommand.Create(new[] { name }.Concat(o.Select(k => "k" + k)).ToArray()), p, o)).ToList();
        return new SmartSplitReply(0, parts, ordinals.Sum(o => o.Length));
    }

    /// <summary>The parts' replies, one after another, as SmartBatch keeps them with the batch's other replies.</summary>
    private GrowableBuffer Replies { get; } = new GrowableBuffer(16);

    private bool Add(SmartSplitReply reply, int part, string bytes)
    {
        int start = Replies.WrittenCount;
        Replies.Write(Encoding.ASCII.GetBytes(bytes));
        return reply.Add(part, start, bytes.Length);
    }

    private string Compose(SmartSplitReply reply)
    {
        var output = new GrowableBuffer();
        Assert.True(reply.TryCompose(Replies.WrittenMemory, output));
        return Encoding.ASCII.GetString(output.WrittenSpan);
    }
}
