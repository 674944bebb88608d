using System.Text;
using RedisCluster.Engine.Tunnel;
using Xunit;

namespace RedisCluster.Tests.Tunnel;

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
    public void TheClientThatTakesAllClientsBuffersOverTheTotalIsClosedAndTheOtherCompletes()
    {
        const int Value = 1800 * 1024;
        using var a = RawRespClient.Connect(Port);
        using var b = RawRespClient.Connect(Port);
        var part = new byte[Value - 1];
        var parts = new[] { (Client: a, Key: "tunnel:limit:total:a"), (Client: b, Key: "tunnel:limit:total:b") };
        var closed = new List<RawRespClient>();
        foreach (var (client, key) in parts)
        {
            try
            {
                client.Send(SetHead(key, Value));
                client.Send(part);
            }
            catch (System.Net.Sockets.SocketException)
            {
                closed.Add(client);
            }
        }

        // Both hold nearly 1.8 MB unfinished: together over 3 MB, so one of them is closed; the other finishes its SET.
        RawRespClient? survivor = null;
        DateTime until = DateTime.UtcNow + Deadline;
        while (survivor == null && DateTime.UtcNow < until)
        {
            foreach (var (client, _) in parts)
            {
                if (!closed.Contains(client) && client.WaitClosed(TimeSpan.FromMilliseconds(100)))
                {
                    closed.Add(client);
                }
            }

            if (closed.Count == 1)
            {
                survivor = closed[0] == a ? b : a;
            }
        }

        Assert.NotNull(survivor);
        survivor!.Send(Encoding.ASCII.GetBytes("v\r\n"));
        Assert.Equal("+OK\r\n", survivor.ReadRaw());
    }
}
