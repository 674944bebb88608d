using System.Net;
using System.Net.Sockets;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Tunnel.Relay;

/// <summary>Standalone mode against a real TLS server with an ACL user, driven by plaintext clients.</summary>
[Collection(StandaloneCollection.Name)]
public sealed class StandaloneTunnelTests
{
    private readonly StandaloneFixture _redis;

    public StandaloneTunnelTests(StandaloneFixture redis)
    {
        _redis = redis;
    }

    internal static ConnectionOptions TlsAcl(bool credential = true) => new()
    {
        UseTls = true,
        CaCertificatePath = TestCertificates.Shared.CaCertPath,
        Credential = credential ? new NetworkCredential(StandaloneFixture.AclUser, StandaloneFixture.AclPassword) : null,
    };

    private Task<RedisTunnel> StartAsync(ConnectionOptions? connection = null, int? port = null, RedisServer? server = null, TimeSpan? drainTimeout = null)
    {
        server ??= _redis.Server;
        var options = new TunnelOptions(new RedisEndpoint("127.0.0.1", server.TlsPort!.Value), connection ?? TlsAcl())
        {
            ListenPort = port ?? FreePorts.PickListener(),
            DrainTimeout = drainTimeout ?? TimeSpan.FromSeconds(3),
        };
        return RedisTunnel.StartAsync(options);
    }

    private static int PortOf(RedisTunnel tunnel) => tunnel.Listeners.Single().LocalPort;

    [Fact]
    public async Task PlainClientWithoutCredentialsSetsAndGetsThroughTheTlsAclTunnel()
    {
        using RedisTunnel tunnel = await StartAsync();
        Assert.Equal(TunnelMode.Standalone, tunnel.Mode);
        using var client = RawRespClient.Connect(PortOf(tunnel));
        Assert.Equal("OK", client.Call("SET", "tunnel:standalone", "through the tunnel").GetString());
        Assert.Equal("through the tunnel", client.Call("GET", "tunnel:standalone").GetString());
        Assert.Equal(StandaloneFixture.AclUser, client.Call("ACL", "WHOAMI").GetString());
        Assert.Equal("through the tunnel", _redis.Server.Cli("GET", "tunnel:standalone"));
        Assert.Equal(3, tunnel.Statistics.CommandsRelayed);
        Assert.Equal(1, tunnel.Statistics.ClientsNow);
        Assert.True(tunnel.Statistics.BytesToServer > 0 && tunnel.Statistics.BytesToClient > 0);
    }

    [Fact]
    public async Task RedisCliWithoutCredentialsWorksThroughTheTunnel()
    {
        using RedisTunnel tunnel = await StartAsync();
        string port = PortOf(tunnel).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("OK", RedisCliRunner.RunChecked(new[] { "-h", "127.0.0.1", "-p", port, "SET", "tunnel:cli", "v1" }, RedisCliRunner.DefaultTimeout));
        Assert.Equal("v1", RedisCliRunner.RunChecked(new[] { "-h", "127.0.0.1", "-p", port, "GET", "tunnel:cli" }, RedisCliRunner.DefaultTimeout));
    }

    [Fact]
    public async Task HundredClientsPipeliningAThousandCommandsGetEveryReplyInOrder()
    {
        using RedisTunnel tunnel = await StartAsync();
        int port = PortOf(tunnel);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        async Task RunClient(int c)
        {
            using RawRespClient client = await RawRespClient.ConnectAsync(port);
            var batch = new List<byte>();
            for (int i = 0; i < 1000; i++)
            {
                batch.AddRange(i % 2 == 0
                    ? RawRespClient.Encode("SET", "tunnel:p:" + c + ":" + i, c + "/" + i)
                    : RawRespClient.Encode("ECHO", c + "/" + i));
            }

            await client.SendAsync(batch.ToArray(), timeout.Token);
            for (int i = 0; i < 1000; i++)
            {
                RespValue reply = await client.ReadAsync(timeout.Token);
                string expected = i % 2 == 0 ? "OK" : c + "/" + i;
                if (reply.GetString() != expected)
                {
                    throw new InvalidOperationException("client " + c + " reply " + i + ": " + reply + " instead of " + expected);
                }
            }

            await client.SendAsync(RawRespClient.Encode("GET", "tunnel:p:" + c + ":998"), timeout.Token);
            Assert.Equal(c + "/998", (await client.ReadAsync(timeout.Token)).GetString());
        }

        Task[] clients = Enumerable.Range(0, 100).Select(RunClient).ToArray();
        await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(120));
        Assert.Equal(100 * 1001, tunnel.Statistics.CommandsRelayed);
        Assert.Equal(100, tunnel.Statistics.ClientsTotal);
        Assert.Equal(0, tunnel.Statistics.Errors);
    }

    [Fact]
    public async Task ClientAuthAndHelloAreAnsweredWithoutBreakingTheSession()
    {
        using RedisTunnel tunnel = await StartAsync();
        using var client = RawRespClient.Connect(PortOf(tunnel));

        // Pipelined, so the answers must come back in order with the rest.
        client.Send(RawRespClient.Encode("AUTH", "whoever", "not-the-password")
            .Concat(RawRespClient.Encode("AUTH", "only-a-password"))
            .Concat(RawRespClient.Encode("ACL", "WHOAMI"))
            .Concat(RawRespClient.Encode("HELLO", "3", "AUTH", "mallory", "guess", "SETNAME", "app-1"))
            .Concat(RawRespClient.Encode("CLIENT", "GETNAME"))
            .Concat(RawRespClient.Encode("ACL", "WHOAMI"))
            .ToArray());
        Assert.Equal("OK", client.Read().GetString());
        Assert.Equal("OK", client.Read().GetString());
        Assert.Equal(StandaloneFixture.AclUser, client.Read().GetString());
        RespValue hello = client.Read();
        Assert.Equal(RespType.Map, hello.Type);
        Assert.Equal(3, hello.AsPairs().Single(p => p.Key == "proto").Value.Integer);
        Assert.Equal("app-1", client.Read().GetString());
        Assert.Equal(StandaloneFixture.AclUser, client.Read().GetString());
    }

    [Fact]
    public async Task WithoutATunnelCredentialTheClientAuthenticatesItself()
    {
        using RedisTunnel tunnel = await StartAsync(TlsAcl(credential: false));
        using var client = RawRespClient.Connect(PortOf(tunnel));
        Assert.Equal("default", client.Call("ACL", "WHOAMI").GetString());
        Assert.Equal("OK", client.Call("AUTH", StandaloneFixture.AclUser, StandaloneFixture.AclPassword).GetString());
        Assert.Equal(StandaloneFixture.AclUser, client.Call("ACL", "WHOAMI").GetString());
    }

    [Fact]
    public async Task InlineCommandsReachTheServerAsRedisSplitsThem()
    {
        using RedisTunnel tunnel = await StartAsync();
        using var client = RawRespClient.Connect(PortOf(tunnel));
        client.Send("set tunnel:inline \"a b\"\r\nget tunnel:inline\r\n"u8.ToArray());
        Assert.Equal("OK", client.Read().GetString());
        Assert.Equal("a b", client.Read().GetString());
    }

    [Fact]
    public async Task GarbageGetsAProtocolErrorAndIsDisconnectedWhileOthersCarryOn()
    {
        using RedisTunnel tunnel = await StartAsync();
        int port = PortOf(tunnel);
        using var good = RawRespClient.Connect(port);
        Assert.Equal("PONG", good.Call("PING").GetString());

        using var bad = RawRespClient.Connect(port);
        bad.Send(RawRespClient.Encode("SET", "tunnel:garbage", "before").Concat("set \"unbalanced\r\n"u8.ToArray()).ToArray());
        Assert.Equal("OK", bad.Read().GetString());
        RespValue error = bad.Read();
        Assert.True(error.IsError);
        Assert.Equal("ERR Protocol error: unbalanced quotes in request", error.GetString());
        Assert.True(bad.WaitClosed(Poll.Deadline));

        Assert.Equal("PONG", good.Call("PING").GetString());
        using var another = RawRespClient.Connect(port);
        Assert.Equal("before", another.Call("GET", "tunnel:garbage").GetString());
        Assert.True(tunnel.Statistics.Errors >= 1);
    }

    [Fact]
    public async Task LargeValuesPassIntact()
    {
        using RedisTunnel tunnel = await StartAsync();
        using var client = RawRespClient.Connect(PortOf(tunnel));
        string value = string.Concat(Enumerable.Range(0, 400_000).Select(i => (char)('a' + i % 26)));
        Assert.Equal("OK", client.Call("SET", "tunnel:large", value).GetString());
        Assert.Equal(value, client.Call("GET", "tunnel:large").GetString());
    }

    [Fact]
    public async Task ATakenListenPortIsAClearError()
    {
        int port = FreePorts.PickListener();
        var blocker = new TcpListener(IPAddress.Loopback, port);
        blocker.Start();
        try
        {
            var ex = await Assert.ThrowsAsync<TunnelException>(() => StartAsync(port: port));
            Assert.True(ex.PortInUse);
            Assert.Contains("127.0.0.1:" + port, ex.Message);
            Assert.Contains("already in use", ex.Message);
        }
        finally
        {
            blocker.Stop();
        }
    }

    [Fact]
    public async Task WrongTunnelCredentialFailsAtStartWithoutTheSecret()
    {
        var connection = TlsAcl();
        connection.Credential = new NetworkCredential(StandaloneFixture.AclUser, "Wr0ng-Secret-Value");
        var ex = await Assert.ThrowsAsync<RedisCluster.Engine.Errors.RedisAuthenticationException>(() => StartAsync(connection));
        Assert.DoesNotContain("Wr0ng-Secret-Value", ex.ToString());
    }

    [Fact]
    public async Task StoppingClosesTheListenerFirstThenDeliversRepliesStillDue()
    {
        // A drain timeout no test run reaches: the stop must end because the last reply went out, not because time ran out.
        RedisTunnel tunnel = await StartAsync(drainTimeout: TimeSpan.FromMinutes(10));
        int port = PortOf(tunnel);
        using var client = RawRespClient.Connect(port);
        Assert.Equal("PONG", client.Call("PING").GetString());

        // The reply is due once the server holds the BLPOP, and it comes only when this test pushes: the stop
        // certainly begins while a reply is still owed, however fast or slow the machine.
        string queue = "tunnel:stop:" + Guid.NewGuid().ToString("N");
        int blockedBefore = _redis.Server.BlockedClients();
        client.Send("BLPOP", queue, "0");
        Assert.True(Poll.Until(() => _redis.Server.BlockedClients() > blockedBefore, Poll.Deadline), "the BLPOP never reached the server");

        Task stop = tunnel.StopAsync();

        // StopAsync closes the listener before it returns.
        Assert.Throws<SocketException>(() => RawRespClient.Connect(port).Dispose());
        Assert.False(stop.IsCompleted, "the stop ended while a reply was still owed");
        Assert.Equal("1", _redis.Server.Cli("RPUSH", queue, "due"));
        Assert.Equal(new[] { queue, "due" }, client.Read().Items.Select(v => v.GetString()));
        Assert.True(client.WaitClosed(Poll.Deadline), "the drained client was not closed");
        await stop.WaitAsync(Poll.Deadline);
        Assert.Equal(TunnelState.Stopped, tunnel.State);
        Assert.True(tunnel.WhenStopped().IsCompleted);
        Assert.Empty(tunnel.Listeners);
    }

    [Fact]
    public async Task AnUpstreamKilledMidStreamClosesItsClientsPromptly()
    {
        using RedisServer server = RedisServer.Start(new RedisServerOptions
        {
            Name = "tunnel-kill",
            Port = 0,
            TlsPort = 0,
            AclUsers = new[] { (StandaloneFixture.AclUser, StandaloneFixture.AclPassword) },
        });
        using RedisTunnel tunnel = await StartAsync(server: server);
        int port = PortOf(tunnel);
        using var idle = RawRespClient.Connect(port);
        using var blocked = RawRespClient.Connect(port);
        Assert.Equal("PONG", idle.Call("PING").GetString());
        Assert.Equal("PONG", blocked.Call("PING").GetString());
        blocked.Send("BLPOP", "tunnel:never", "0");
        Assert.True(Poll.Until(() => server.BlockedClients() == 1, Poll.Deadline), "the BLPOP never reached the server");

        // Nothing but the upstream's end closes these clients (no idle timeout, BLPOP 0 waits forever), so the
        // deadline only turns a tunnel that never closes them into a failure.
        server.Kill();
        Assert.True(blocked.WaitClosed(Poll.Deadline), "the blocked client was not closed");
        Assert.True(idle.WaitClosed(Poll.Deadline), "the idle client was not closed");

        // The tunnel itself keeps running: a new client is told why it cannot be served.
        using var late = RawRespClient.Connect(port);
        RespValue reply = late.Call("PING");
        Assert.True(reply.IsError);
        Assert.Contains("cannot reach", reply.GetString());
        Assert.Equal(TunnelState.Running, tunnel.State);
        Assert.True(tunnel.Statistics.Errors >= 2);
    }
}
