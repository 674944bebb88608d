using System.Globalization;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Tunnel.Smart;

/// <summary>
/// Where Redis 7.0.15's own test suite (bench/redis-test-suite) found the smart tunnel answering unlike one
/// server, each case as the suite asks it.
/// </summary>
public sealed class SmartTunnelSuiteParityTests : SmartTunnelTestBase, IClassFixture<SmartClusterFixture>
{
    public SmartTunnelSuiteParityTests(SmartClusterFixture fixture)
        : base(fixture.Cluster)
    {
    }

    [Fact]
    public void ClientListAndInfoShowTheCallersOwnCommandInItsQueryBuffer()
    {
        using var client = RawRespClient.Connect(Port);
        using var other = RawRespClient.Connect(Port);
        long otherId = other.Call("CLIENT", "ID").Integer;

        // "*2\r\n$6\r\nclient\r\n$4\r\ninfo\r\n" is 26 bytes, which Redis still holds while it runs the command.
        Assert.Contains(" qbuf=26 ", client.Call("CLIENT", "INFO").GetString());
        string[] list = client.Call("CLIENT", "LIST").GetString()!.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(list, line => line.Contains(" qbuf=26 ", StringComparison.Ordinal) && line.Contains(" cmd=client|list ", StringComparison.Ordinal));

        // A client waiting for its next command has an empty query buffer.
        Assert.Contains(list, line => line.StartsWith("id=" + otherId.ToString(CultureInfo.InvariantCulture) + " ", StringComparison.Ordinal) && line.Contains(" qbuf=0 ", StringComparison.Ordinal));
    }

    [Fact]
    public void ClientKillWithIllegalArgumentsFailsLikeRedis()
    {
        using var client = RawRespClient.Connect(Port);
        Assert.Equal("ERR wrong number of arguments for 'client|kill' command", client.Call("CLIENT", "KILL").GetString());
        Assert.Equal("ERR No such user 'wrong_user'", client.Call("CLIENT", "KILL", "USER", "wrong_user").GetString());
        Assert.StartsWith("ERR syntax error", client.Call("CLIENT", "KILL", "ID", "10", "wrong_arg").GetString());

        // A user the nodes know, with no application logged in as it, matches nobody.
        Assert.Equal(0, client.Call("CLIENT", "KILL", "USER", StandaloneFixture.AclUser).Integer);
        Assert.Equal("PONG", client.Call("PING").GetString());
    }
}
