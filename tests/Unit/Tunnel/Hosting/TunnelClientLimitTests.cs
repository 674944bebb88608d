using System.Text;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Tunnel;
using RedisCluster.Tests.Infrastructure;
using RedisCluster.Tests.Routing;
using Xunit;
using RedisCluster.Tests.Tunnel.Relay;

namespace RedisCluster.Tests.Tunnel.Hosting;

/// <summary>Standalone tunnel limits against the real TLS server: maxclients, idle timeout, proto-max-bulk-len, QUIT.</summary>
[Collection(StandaloneCollection.Name)]
public sealed class TunnelClientLimitTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly StandaloneFixture _redis;

    public TunnelClientLimitTests(StandaloneFixture redis)
    {
        _redis = redis;
    }

    private Task<RedisTunnel> StartAsync(Action<TunnelOptions> configure)
    {
        var options = new TunnelOptions(new RedisEndpoint("127.0.0.1", _redis.Server.TlsPort!.Value), StandaloneTunnelTests.TlsAcl())
        {
            ListenPort = 0,
            DrainTimeout = TimeSpan.FromSeconds(2),
        };
        configure(options);
        return RedisTunnel.StartAsync(options);
    }

    [Fact]
    public async Task AClientOverMaxClientsReadsRedisRefusalAndTheNextOneIsServedOnceThereIsRoom()
    {
        using RedisTunnel tunnel = await StartAsync(o => o.MaxClients = 2);
        int port = tunnel.Listeners[0].LocalPort;
        using var first = RawRespClient.Connect(port);
        using (var second = RawRespClient.Connect(port))
        {
            Assert.Equal("+PONG\r\n", first.CallRaw("PING"));
            Assert.Equal("+PONG\r\n", second.CallRaw("PING"));
            using var third = RawRespClient.Connect(port);
            Assert.Equal("-ERR max number of clients reached\r\n", third.ReadRaw());
            Assert.True(third.WaitClosed(Deadline));
            Assert.Equal(1, tunnel.Statistics.ClientsRefused);
        }

        // The second client left: a new one gets its place.
        Assert.True(Poll.Until(() => tunnel.Statistics.ClientsNow == 1, Deadline));
        using var fourth = RawRespClient.Connect(port);
        Assert.Equal("+PONG\r\n", fourth.CallRaw("PING"));
        Assert.Equal("+PONG\r\n", first.CallRaw("PING"));
    }

    [Fact]
    public async Task ClientIdleTimeoutClosesAnIdleClientButNotOneWaitingInABlockingCommand()
    {
        using RedisTunnel tunnel = await StartAsync(o => o.ClientIdleTimeout = TimeSpan.FromSeconds(1));
        int port = tunnel.Listeners[0].LocalPort;
        using var idle = RawRespClient.Connect(port);
        Assert.Equal("+PONG\r\n", idle.CallRaw("PING"));
        Assert.True(idle.WaitClosed(Deadline), "the idle client was not closed");

        // Blocked for three times the timeout: like Redis, a client waiting for a reply is not idle. Like Redis, the
        // tunnel may close a client that stays silent for the timeout after connecting; on a loaded machine that
        // can happen before the BLPOP is sent, which is no failure as long as the tunnel never relayed it.
        for (int attempt = 1; ; attempt++)
        {
            long relayedBefore = tunnel.Statistics.CommandsRelayed;
            using var blocked = RawRespClient.Connect(port);
            string reply;
            try
            {
                reply = blocked.CallRaw("BLPOP", "tunnel:idle:none:" + Guid.NewGuid().ToString("N"), "3");
            }
            catch (Exception e) when ((e is System.Net.Sockets.SocketException || e is IOException) && attempt < 5 && tunnel.Statistics.CommandsRelayed == relayedBefore)
            {
                continue;
            }

            Assert.Equal("*-1\r\n", reply);
            Assert.True(blocked.WaitClosed(Deadline), "the client idle after its reply was not closed");
            break;
        }
    }

    [Fact]
    public async Task NoIdleTimeoutByDefault()
    {
        using RedisTunnel tunnel = await StartAsync(_ => { });
        Assert.Equal(TimeSpan.Zero, new TunnelOptions(new RedisEndpoint("127.0.0.1", 1), new ConnectionOptions()).ClientIdleTimeout);
        using var client = RawRespClient.Connect(tunnel.Listeners[0].LocalPort);
        Assert.Equal("+PONG\r\n", client.CallRaw("PING"));
        Assert.False(client.WaitClosed(TimeSpan.FromSeconds(2)));
        Assert.Equal("+PONG\r\n", client.CallRaw("PING"));
    }

    [Fact]
    public async Task AnArgumentOverProtoMaxBulkLengthGetsRedisErrorTextAndTheClientIsClosed()
    {
        using RedisTunnel tunnel = await StartAsync(o => o.ProtoMaxBulkLength = 1024);
        using var client = RawRespClient.Connect(tunnel.Listeners[0].LocalPort);
        client.Send(Encoding.ASCII.GetBytes("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000\r\n"));
        Assert.Equal("-ERR Protocol error: invalid bulk length\r\n", client.ReadRaw());
        Assert.True(client.WaitClosed(Deadline));
    }

    [Fact]
    public async Task AClientsQuitIsNotLoggedAsTheUpstreamGoingAway()
    {
        var log = new CapturingLog();
        using RedisTunnel tunnel = await StartAsync(o => o.Log = log);
        using (var client = RawRespClient.Connect(tunnel.Listeners[0].LocalPort))
        {
            Assert.Equal("+OK\r\n", client.CallRaw("QUIT"));
            Assert.True(client.WaitClosed(Deadline));
        }

        Assert.True(Poll.Until(() => tunnel.Statistics.ClientsNow == 0 && log.Any("quit"), Deadline));
        Assert.False(log.Any("went away"), string.Join("\n", log.Messages));
        Assert.Equal(0, tunnel.Statistics.Errors);
    }
}
