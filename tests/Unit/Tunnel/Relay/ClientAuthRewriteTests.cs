using System.Buffers;
using System.Text;
using RedisCluster.Engine.Tunnel.Relay;
using Xunit;

namespace RedisCluster.Tests.Tunnel.Relay;

/// <summary>What the server gets in place of a client's AUTH or HELLO when the tunnel holds the credential.</summary>
public sealed class ClientAuthRewriteTests
{
    private const string TunnelAuth = "*3\r\n$4\r\nAUTH\r\n$6\r\ntunnel\r\n$6\r\nsecret\r\n";

    private static string Rewrite(params string[] args)
    {
        var output = new ArrayBufferWriter<byte>();
        long written = ClientAuthRewrite.Write(args.Select(Encoding.UTF8.GetBytes).ToArray(), null, () => Encoding.ASCII.GetBytes(TunnelAuth), output, out byte[]? local);
        Assert.Null(local);
        Assert.Equal(output.WrittenCount, written);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    [Fact]
    public void AuthBecomesTheTunnelsOwn()
    {
        Assert.Equal(TunnelAuth, Rewrite("auth", "pw"));
        Assert.Equal(TunnelAuth, Rewrite("AUTH", "alice", "pw"));
    }

    [Fact]
    public void AMalformedAuthPassesForTheServerToRefuse()
        => Assert.Equal("*4\r\n$4\r\nAUTH\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", Rewrite("AUTH", "a", "b", "c"));

    [Fact]
    public void HelloKeepsItsProtocolAndNameButNotTheCredential()
    {
        Assert.Equal("*4\r\n$5\r\nHELLO\r\n$1\r\n3\r\n$7\r\nSETNAME\r\n$3\r\napp\r\n", Rewrite("HELLO", "3", "AUTH", "u", "p", "SETNAME", "app"));
        Assert.Equal("*2\r\n$5\r\nhello\r\n$1\r\n2\r\n", Rewrite("hello", "2"));
    }
}
