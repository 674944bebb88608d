using System.Globalization;
using System.Text;
using RedisCluster.Tests.Infrastructure;
using Xunit;
using RedisCluster.Tests.Tunnel.Hosting;

namespace RedisCluster.Tests.Tunnel.Smart;

/// <summary>
/// A smart tunnel gives back the memory of large commands once they are done. Run in a child process, so its
/// resident memory is its own: large SETs must not leave the tunnel holding their values after the clients
/// leave. The bound is generous (one value above the memory the tunnel had once it served its first client,
/// while the values together are three times that); a tunnel that kept what it relayed stays far above it.
/// </summary>
public sealed class SmartTunnelMemoryTests : IClassFixture<TunnelChildProcessFixture>
{
    private const int Value = 48 * 1024 * 1024;
    private const int Values = 3;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private readonly TunnelChildProcessFixture _fixture;

    public SmartTunnelMemoryTests(TunnelChildProcessFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public void LargeSetsLeaveNoMemoryBehindOnceTheirClientsHaveGone()
    {
        _fixture.Cluster.WaitHealthy(TimeSpan.FromSeconds(60));
        using TunnelHostProcess host = TunnelHostProcess.Start("127.0.0.1:" + _fixture.Cluster.SeedPort.ToString(CultureInfo.InvariantCulture), "Smart");

        // The baseline includes what serving a client costs once (topology, connections, code loaded).
        using (var warm = RawRespClient.Connect(host.Port))
        {
            Assert.Equal("+OK\r\n", warm.CallRaw("SET", "memory:warm", "x"));
        }

        long baseline = host.ResidentBytes;
        var value = new byte[Value];
        value.AsSpan().Fill((byte)'v');
        for (int i = 0; i < Values; i++)
        {
            using var client = RawRespClient.Connect(host.Port);
            string key = "memory:large:" + i.ToString(CultureInfo.InvariantCulture);
            client.Send(Encoding.ASCII.GetBytes("*3\r\n$3\r\nSET\r\n$" + key.Length + "\r\n" + key + "\r\n$" + Value + "\r\n"));
            client.Send(value);
            client.Send(Encoding.ASCII.GetBytes("\r\n"));
            Assert.Equal("+OK\r\n", client.ReadRaw());
        }

        long bound = baseline + Value;
        long last = 0;
        bool returned = Poll.Until(() => (last = host.ResidentBytes) < bound, Deadline);
        Assert.True(returned, "the tunnel still holds " + (last >> 20) + " MB after the clients left; it held " + (baseline >> 20)
            + " MB before " + Values + " SETs of " + (Value >> 20) + " MB (bound " + (bound >> 20) + " MB)");
        Assert.True(host.IsRunning, host.Errors);
    }
}
