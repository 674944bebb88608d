using System.Text;
using RedisCluster.Engine.Tunnel;
using Xunit;

namespace RedisCluster.Tests.Tunnel.Smart;

/// <summary>What a smart tunnel buffers of client input: proto-max-bulk-len, client-query-buffer-limit and the total over all clients.</summary>
public sealed class SmartTunnelLimitTests : SmartTunnelTestBase, IClassFixture<SmartClusterFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    public SmartTunnelLimitTests(SmartClusterFixture fixture)
        : base(fixture.Cluster)
    {
    }

    protected override void Configure(TunnelOptions options)
    {
        options.ProtoMaxBulkLength = 4 * 1024 * 1024;
        options.ClientQueryBufferLimit = 2 * 1024 * 1024;
        options.TotalQueryBufferLimit = 3 * 1024 * 1024;
    }

    private static byte[] SetHead(string key, int length) => Encoding.ASCII.GetBytes("*3\r\n$3\r\nSET\r\n$" + key.Length + "\r\n" + key + "\r\n$" + length + "\r\n");

    /// <summary>MSET is never streamed (its keys may be on several nodes): the tunnel holds it until it is whole.</summary>
    private static byte[] MsetHead(string key, int length) => Encoding.ASCII.GetBytes("*3\r\n$4\r\nMSET\r\n$" + key.Length + "\r\n" + key + "\r\n$" + length + "\r\n");

    [Fact]
    public void AnArgumentOverProtoMaxBulkLengthGetsRedisErrorTextAndTheClientIsClosed()
    {
        using var client = RawRespClient.Connect(Port);
        client.Send(SetHead("tunnel:limit:bulk", 5 * 1024 * 1024));
        Assert.Equal("-ERR Protocol error: invalid bulk length\r\n", client.ReadRaw());
        Assert.True(client.WaitClosed(Deadline));
    }

    [Fact]
    public void AClientOverTheQueryBufferLimitIsClosedWithoutAReplyAndOthersGoOn()
    {
        using var other = RawRespClient.Connect(Port);
        using var client = RawRespClient.Connect(Port);
        client.Send(SetHead("tunnel:limit:query", 3 * 1024 * 1024));
        try
        {
            // Within proto-max-bulk-len, but more than the client may have buffered: Redis closes such a client.
            client.Send(new byte[(2 * 1024 * 1024) + 4096]);
        }
        catch (System.Net.Sockets.SocketException)
        {
            // Closed while still sending.
        }

        Assert.True(client.WaitClosed(Deadline));
        Assert.Equal("+PONG\r\n", other.CallRaw("PING"));
        Assert.True(_tunnel!.Statistics.Errors >= 1);
    }

    [Fact]
    public void ClientsTogetherOverTheTotalLimitAreClosedAndTheBudgetComesBackWhenTheyGo()
    {
        const int Value = 1800 * 1024;
        var part = new byte[Value - 1];
        using (var a = RawRespClient.Connect(Port))
        using (var b = RawRespClient.Connect(Port))
        {
            var clients = new[] { a, b };
            bool anyClosed = false;
            foreach (RawRespClient client in clients)
            {
                try
                {
                    client.Send(MsetHead("tunnel:limit:total", Value));
                    client.Send(part);
                }
                catch (System.Net.Sockets.SocketException)
                {
                    anyClosed = true;
                }
            }

            // Both hold nearly 1.8 MB unfinished: together over the 3 MB total, so the tunnel closes a client.
            DateTime until = DateTime.UtcNow + Deadline;
            while (!anyClosed && DateTime.UtcNow < until)
            {
                anyClosed = clients.Any(c => c.WaitClosed(TimeSpan.FromMilliseconds(100)));
            }

            Assert.True(anyClosed, "neither client was closed");
        }

        // Once they are gone, what they held is free again: a new client's SET of the same size goes through.
        Assert.True(SpinWait.SpinUntil(() => _tunnel!.Statistics.ClientsNow == 0, Deadline));
        using var c = RawRespClient.Connect(Port);
        c.ReceiveTimeout = Deadline;
        c.Send(MsetHead("tunnel:limit:total", Value));
        c.Send(part);
        c.Send(Encoding.ASCII.GetBytes("v\r\n"));
        Assert.Equal("+OK\r\n", c.ReadRaw());
    }

    [Fact]
    public void StreamedArgumentsAreNotBufferedSoTheyDoNotCountAgainstTheTotal()
    {
        // The same two 1.8 MB values as above, by SET this time: streamed to their node as they arrive, they hold
        // no buffer, and both clients are answered although the two values together are over the 3 MB total.
        const int Value = 1800 * 1024;
        var part = new byte[Value - 1];
        using var a = RawRespClient.Connect(Port);
        using var b = RawRespClient.Connect(Port);
        a.ReceiveTimeout = b.ReceiveTimeout = Deadline;
        a.Send(SetHead("tunnel:limit:streamed:a", Value));
        b.Send(SetHead("tunnel:limit:streamed:b", Value));
        a.Send(part);
        b.Send(part);
        a.Send(Encoding.ASCII.GetBytes("v\r\n"));
        b.Send(Encoding.ASCII.GetBytes("v\r\n"));
        Assert.Equal("+OK\r\n", a.ReadRaw());
        Assert.Equal("+OK\r\n", b.ReadRaw());
        Assert.Equal(":" + Value + "\r\n", a.CallRaw("STRLEN", "tunnel:limit:streamed:b"));
    }
}
