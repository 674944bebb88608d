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
        Assert.False(reply.Add(0, Bytes("*3\r\n$1\r\na\r\n$-1\r\n*2\r\n:1\r\n:2\r\n")));
        Assert.True(reply.Add(1, Bytes("*2\r\n_\r\n$2\r\ncc\r\n")));
        Assert.Equal("*5\r\n$1\r\na\r\n_\r\n$2\r\ncc\r\n$-1\r\n*2\r\n:1\r\n:2\r\n", Compose(reply));
    }

    [Fact]
    public void ABulkStringThatHoldsLineEndsOrIsEmptyKeepsItsLength()
    {
        var reply = Split("MGET", new[] { 1, 2 }, new[] { 0, 3 });
        Assert.False(reply.Add(0, Bytes("*2\r\n$6\r\na\r\n$1\r\r\n$0\r\n\r\n")));
        Assert.True(reply.Add(1, Bytes("*2\r\n:-12\r\n$3\r\n*1\r\r\n")));
        Assert.Equal("*4\r\n:-12\r\n$6\r\na\r\n$1\r\r\n$0\r\n\r\n$3\r\n*1\r\r\n", Compose(reply));
    }

    [Fact]
    public void ABulkStringShorterThanItsHeaderSaysDoesNotFit()
    {
        var reply = Split("MGET", new[] { 0 }, new[] { 1 });
        reply.Add(0, Bytes("*1\r\n$5\r\nab\r\n"));
        reply.Add(1, Bytes("*1\r\n$1\r\nb\r\n"));
        var output = new GrowableBuffer();
        Assert.False(reply.TryCompose(output));
        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public void CountsAreAddedUp()
    {
        var reply = Split("EXISTS", new[] { 0, 2 }, new[] { 1 });
        reply.Add(0, Bytes(":2\r\n"));
        reply.Add(1, Bytes(":0\r\n"));
        Assert.Equal(":2\r\n", Compose(reply));
    }

    [Fact]
    public void APartsErrorIsTheReply()
    {
        var reply = Split("MGET", new[] { 0 }, new[] { 1 });
        reply.Add(0, Bytes("*1\r\n$1\r\na\r\n"));
        reply.Add(1, Bytes("-NOPERM this user has no permissions to access one of the keys\r\n"));
        Assert.StartsWith("-NOPERM", Compose(reply));
    }

    [Fact]
    public void APartThatMustRunAgainOrDoesNotFitFailsTheWhole()
    {
        var failed = Split("MGET", new[] { 0 }, new[] { 1 });
        Assert.False(failed.Fail(0));
        Assert.True(failed.Add(1, Bytes("*1\r\n$1\r\nb\r\n")));
        Assert.True(failed.Failed);

        // Fewer elements than keys: not a reply to these parts.
        var misfit = Split("MGET", new[] { 0, 1 }, new[] { 2 });
        misfit.Add(0, Bytes("*1\r\n$1\r\na\r\n"));
        misfit.Add(1, Bytes("*1\r\n$1\r\nc\r\n"));
        var output = new GrowableBuffer();
        Assert.False(misfit.TryCompose(output));
        Assert.Equal(0, output.WrittenCount);
    }

    private static SmartSplitReply Split(string name, params int[][] ordinals)
    {
        var parts = ordinals.Select((o, p) => new SlotSplit(RedisCommand.Create(new[] { name }.Concat(o.Select(k => "k" + k)).ToArray()), p, o)).ToList();
        return new SmartSplitReply(0, parts, ordinals.Sum(o => o.Length));
    }

    private static ReadOnlySequence<byte> Bytes(string text) => new(Encoding.ASCII.GetBytes(text));

    private static string Compose(SmartSplitReply reply)
    {
        var output = new GrowableBuffer();
        Assert.True(reply.TryCompose(output));
        return Encoding.ASCII.GetString(output.WrittenSpan);
    }
}
