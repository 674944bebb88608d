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

    [Fact]
    public void ALargeArgumentIsStreamedToItsNodeNotHeld()
    {
        // 200 MB in one SET: the tunnel's memory while it arrives stays within a quarter of it above what the
        // tunnel had before (a tunnel that held the command would grow by all of it), and the value is intact.
        const int Large = 200 * 1024 * 1024;
        const int Chunk = 4 * 1024 * 1024;
        _fixture.Cluster.WaitHealthy(TimeSpan.FromSeconds(60));
        using TunnelHostProcess host = TunnelHostProcess.Start("127.0.0.1:" + _fixture.Cluster.SeedPort.ToString(CultureInfo.InvariantCulture), "Smart");
        using var client = RawRespClient.Connect(host.Port);
        client.ReceiveTimeout = Deadline;
        Assert.Equal("+OK\r\n", client.CallRaw("SET", "memory:streamed", "x"));
        long baseline = host.ResidentBytes;
        long peak = baseline;
        byte[] value = SmartLargeArgumentsTests.Pattern(Large, 0);
        client.Send(Encoding.ASCII.GetBytes("*3\r\n$3\r\nSET\r\n$15\r\nmemory:streamed\r\n$" + Large + "\r\n"));
        for (int at = 0; at < Large; at += Chunk)
        {
            client.Send(value.AsSpan(at, Chunk).ToArray());
            peak = Math.Max(peak, host.ResidentBytes);
        }

        client.Send(Encoding.ASCII.GetBytes("\r\n"));
        Assert.Equal("+OK\r\n", client.ReadRaw());
        peak = Math.Max(peak, host.ResidentBytes);
        Assert.True(peak - baseline < Large / 4, "the tunnel grew by " + ((peak - baseline) >> 20) + " MB while a " + (Large >> 20) + " MB argument went through it");

        Assert.Equal(":" + Large + "\r\n", client.CallRaw("STRLEN", "memory:streamed"));
        for (int at = 0; at < Large; at += 8 * Chunk)
        {
            int length = Math.Min(8 * Chunk, Large - at);
            byte[]? piece = client.Call("GETRANGE", "memory:streamed", at.ToString(CultureInfo.InvariantCulture), (at + length - 1).ToString(CultureInfo.InvariantCulture)).GetBytes();
            Assert.True(value.AsSpan(at, length).SequenceEqual(piece), "the value differs in the " + (length >> 20) + " MB from " + (at >> 20) + " MB");
        }

        Assert.True(host.IsRunning, host.Errors);
    }
}
