using System.Globalization;
using System.Net.Sockets;
using System.Text;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Tunnel.Hosting;

/// <summary>A plaintext 3-primary cluster and a plaintext server for tunnels run as child processes.</summary>
public sealed class TunnelChildProcessFixture : IDisposable
{
    private readonly Lazy<RedisClusterProcesses> _cluster = new(() => RedisClusterProcesses.Start(masters: 3, replicasPerMaster: 0, tls: false));

    public TunnelChildProcessFixture()
    {
        Server = RedisServer.Start(new RedisServerOptions());
    }

    public RedisServer Server { get; }

    public RedisClusterProcesses Cluster => _cluster.Value;

    public void Dispose()
    {
        Server.Dispose();
        if (_cluster.IsValueCreated)
        {
            _cluster.Value.Dispose();
        }
    }
}

/// <summary>
/// Tunnels in a child process under a lowered descriptor limit (ulimit -n): more clients than descriptors must
/// not end the tunnel (the runtime ends a process that has none left with "Out of memory."), and the
/// tunnel serves again once they leave.
/// </summary>
public sealed class TunnelDescriptorLimitTests : IClassFixture<TunnelChildProcessFixture>
{
    private const int DescriptorLimit = 256;
    private const int Flood = 400;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private readonly TunnelChildProcessFixture _fixture;

    public TunnelDescriptorLimitTests(TunnelChildProcessFixture fixture)
    {
        _fixture = fixture;
    }

    private string Upstream(string mode) => "127.0.0.1:" + (mode == "Standalone" ? _fixture.Server.Port : _fixture.Cluster.SeedPort).ToString(CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("Standalone")]
    [InlineData("Smart")]
    public void MoreConnectionsThanDescriptorsAreRefusedLikeRedisAndTheTunnelServesAfterwards(string mode)
    {
        if (mode == "Smart")
        {
            _fixture.Cluster.WaitHealthy(TimeSpan.FromSeconds(60));
        }

        using TunnelHostProcess host = TunnelHostProcess.Start(Upstream(mode), mode, DescriptorLimit);
        var flood = new List<Socket>();
        try
        {
            for (int i = 0; i < Flood; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Connect("127.0.0.1", host.Port);
                flood.Add(socket);
            }

            // The last connections are over the default maximum (derived from the limit): each reads Redis's refusal and is closed.
            string refusal = ReadLine(flood[^1], Deadline);
            Assert.Equal("-ERR max number of clients reached", refusal);
            Assert.True(host.IsRunning, "the tunnel host ended: " + host.Errors);
        }
        finally
        {
            foreach (Socket socket in flood)
            {
                socket.Dispose();
            }
        }

        // The clients have gone: the tunnel has room again and serves a verifying client fully.
        DateTime until = DateTime.UtcNow + Deadline;
        string? pong = null;
        while (pong != "+PONG" && DateTime.UtcNow < until && host.IsRunning)
        {
            using RawRespClient probe = RawRespClient.Connect(host.Port);
            pong = probe.CallRaw("PING").TrimEnd();
        }

        Assert.Equal("+PONG", pong);
        using RawRespClient client = RawRespClient.Connect(host.Port);
        Assert.Equal("OK", client.Call("SET", "tunnel:fd:" + mode, "still here").GetString());
        Assert.Equal("still here", client.Call("GET", "tunnel:fd:" + mode).GetString());
        Assert.True(host.IsRunning, "the tunnel host ended: " + host.Errors);
        Assert.DoesNotContain("Out of memory", host.Errors, StringComparison.Ordinal);
    }

    private static string ReadLine(Socket socket, TimeSpan timeout)
    {
        socket.ReceiveTimeout = (int)timeout.TotalMilliseconds;
        var line = new StringBuilder();
        var one = new byte[1];
        while (socket.Receive(one) == 1 && one[0] != (byte)'\n')
        {
            line.Append((char)one[0]);
        }

        return line.ToString().TrimEnd('\r');
    }
}
