using System.Text;
using RedisCluster.Engine.Protocol;
using RedisCluster.Tests.Infrastructure;
using RedisCluster.Tests.Protocol;
using Xunit;

namespace RedisCluster.Tests.Tunnel.Smart;

/// <summary>
/// Commands with a large argument (1 MB or more), which the smart tunnel streams to the key's primary as they
/// arrive: answered in the client's order among the commands around them, in the client's protocol, with the
/// value intact; queued as usual inside MULTI; a client that hangs up halfway or sends garbage halfway leaves
/// the shared connections in step. (That the tunnel does not hold the argument is SmartTunnelMemoryTests'.)
/// </summary>
public sealed class SmartLargeArgumentsTests : SmartTunnelTestBase, IClassFixture<SmartClusterFixture>
{
    private const int Large = 3 * 1024 * 1024;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public SmartLargeArgumentsTests(SmartClusterFixture fixture)
        : base(fixture.Cluster)
    {
    }

    /// <summary>A value whose every byte depends on its position, so a lost, doubled or shifted piece shows.</summary>
    internal static byte[] Pattern(int length, int seed)
    {
        var value = new byte[length];
        for (int i = 0; i < length; i++)
        {
            value[i] = (byte)('a' + ((i / 7) + seed) % 26);
        }

        return value;
    }

    private static byte[] A(string text) => Encoding.ASCII.GetBytes(text);

    [Fact]
    public void ALargeSetPipelinedAmongOtherCommandsIsAnsweredInOrderWithTheValueIntact()
    {
        byte[] value = Pattern(Large, 1);
        using var client = RawRespClient.Connect(Port);
        client.ReceiveTimeout = Deadline;
        client.Send(Sequences.Command(A("SET"), A("large:order"), A("before")));
        client.Send(Sequences.Command(A("SET"), A("large:order"), value)
            .Concat(Sequences.Command(A("STRLEN"), A("large:order")))
            .Concat(Sequences.Command(A("HSET"), A("large:hash"), A("small"), A("1"), A("big"), value))
            .Concat(Sequences.Command(A("GETRANGE"), A("large:order"), A("1000000"), A("1000099")))
            .Concat(Sequences.Command(A("PING")))
            .ToArray());

        Assert.Equal("+OK\r\n", client.ReadRaw());
        Assert.Equal("+OK\r\n", client.ReadRaw());
        Assert.Equal(":" + Large + "\r\n", client.ReadRaw());
        Assert.Equal(":2\r\n", client.ReadRaw());
        Assert.Equal(value.AsSpan(1_000_000, 100).ToArray(), client.Read().GetBytes());
        Assert.Equal("+PONG\r\n", client.ReadRaw());
        Assert.Equal(value, client.Call("GET", "large:order").GetBytes());
        Assert.Equal(value, client.Call("HGET", "large:hash", "big").GetBytes());
    }

    [Fact]
    public void AResp3ClientGetsItsOwnProtocolsReplies()
    {
        byte[] value = Pattern(Large, 2);
        using var client = RawRespClient.Connect(Port);
        client.ReceiveTimeout = Deadline;
        Assert.Equal(RespType.Map, client.Call("HELLO", "3").Type);
        client.Call("DEL", "large:list");
        client.Send(Sequences.Command(A("RPUSH"), A("large:list"), value, A("tail")));
        Assert.Equal(":2\r\n", client.ReadRaw());
        client.Send(Sequences.Command(A("SET"), A("large:resp3"), value, A("GET")));
        Assert.Equal(RespType.Null, client.Read().Type);
        Assert.Equal(value, client.Call("LINDEX", "large:list", "0").GetBytes());
    }

    [Fact]
    public void InsideMultiALargeArgumentIsQueuedAndRunsWithTheBlock()
    {
        byte[] value = Pattern(Large, 3);
        using var client = RawRespClient.Connect(Port);
        client.ReceiveTimeout = Deadline;
        Assert.Equal("+OK\r\n", client.CallRaw("MULTI"));
        client.Send(Sequences.Command(A("SET"), A("{large:multi}a"), value));
        Assert.Equal("+QUEUED\r\n", client.ReadRaw());
        Assert.Equal("+QUEUED\r\n", client.CallRaw("STRLEN", "{large:multi}a"));
        Assert.Equal("*2\r\n+OK\r\n:" + Large + "\r\n", client.CallRaw("EXEC"));
    }

    [Fact]
    public void AClientThatHangsUpHalfwayLeavesTheSharedConnectionsInStep()
    {
        // Another client of the same slot has commands on the shared connection to that node before and after.
        using var other = RawRespClient.Connect(Port);
        other.ReceiveTimeout = Deadline;
        Assert.Equal("+OK\r\n", other.CallRaw("SET", "{large:halfway}other", "1"));
        long clients = _tunnel!.Statistics.ClientsNow;
        using (var quitter = RawRespClient.Connect(Port))
        {
            quitter.Send(A("*3\r\n$3\r\nSET\r\n$15\r\n{large:halfway}\r\n$" + (8 * Large) + "\r\n"));
            quitter.Send(Pattern(Large, 4));
            Assert.True(Poll.Until(() => _tunnel.Statistics.ClientsNow == clients + 1, Deadline));
        }

        Assert.True(Poll.Until(() => _tunnel.Statistics.ClientsNow == clients, Deadline));
        other.Send(Sequences.Command(A("INCR"), A("{large:halfway}other")).Concat(Sequences.Command(A("EXISTS"), A("{large:halfway}"))).ToArray());
        Assert.Equal(":2\r\n", other.ReadRaw());
        Assert.Equal(":0\r\n", other.ReadRaw());
    }

    [Fact]
    public void GarbageHalfwayIsAProtocolErrorForThatClientAlone()
    {
        using var other = RawRespClient.Connect(Port);
        other.ReceiveTimeout = Deadline;
        using var client = RawRespClient.Connect(Port);
        client.ReceiveTimeout = Deadline;

        // Four arguments, the third large; where the fourth's header should be comes a simple string.
        client.Send(A("*4\r\n$3\r\nSET\r\n$12\r\n{large:bad}k\r\n$" + Large + "\r\n"));
        client.Send(Pattern(Large, 5));
        client.Send(A("\r\n+OK\r\n"));
        Assert.Equal("-ERR Protocol error: expected '$', got '+'\r\n", client.ReadRaw());
        Assert.True(client.WaitClosed(Deadline));
        other.Send(Sequences.Command(A("SET"), A("{large:bad}other"), A("v")).Concat(Sequences.Command(A("EXISTS"), A("{large:bad}k"))).ToArray());
        Assert.Equal("+OK\r\n", other.ReadRaw());
        Assert.Equal(":0\r\n", other.ReadRaw());
    }

    [Fact]
    public void ASlotMovingWhileTheArgumentIsOnItsWayAsksTheClientToSendItAgain()
    {
        // The key's slot is migrating and the key is not on the source: the source answers ASK once the command is
        // whole. The argument is gone by then, so the tunnel cannot follow the redirect itself; the client hears TRYAGAIN.
        const string Key = "{large:moving}k";
        string slot = RedisCluster.Engine.Cluster.HashSlot.GetSlot(Key).ToString(System.Globalization.CultureInfo.InvariantCulture);
        RedisServer source = _cluster.Masters().First(m => m.Cli("EXISTS", Key) == "0");
        RedisServer target = _cluster.Masters().First(m => m != source);
        byte[] value = Pattern(Large, 6);
        using var client = RawRespClient.Connect(Port);
        client.ReceiveTimeout = Deadline;
        Assert.Equal("OK", target.Cli("CLUSTER", "SETSLOT", slot, "IMPORTING", source.Cli("CLUSTER", "MYID")));
        try
        {
            Assert.Equal("OK", source.Cli("CLUSTER", "SETSLOT", slot, "MIGRATING", target.Cli("CLUSTER", "MYID")));
            client.Send(Sequences.Command(A("SET"), A(Key), value));
            Assert.StartsWith("-TRYAGAIN ", client.ReadRaw(), StringComparison.Ordinal);
            Assert.Equal("+PONG\r\n", client.CallRaw("PING"));
        }
        finally
        {
            source.Cli("CLUSTER", "SETSLOT", slot, "STABLE");
            target.Cli("CLUSTER", "SETSLOT", slot, "STABLE");
        }

        client.Send(Sequences.Command(A("SET"), A(Key), value));
        Assert.Equal("+OK\r\n", client.ReadRaw());
        Assert.Equal(":" + Large + "\r\n", client.CallRaw("STRLEN", Key));
    }
}
