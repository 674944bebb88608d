using System.Net;
using System.Net.Sockets;
using RedisCluster.Tests.Hosting;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Module;

/// <summary>
/// The first thing a new user types: Invoke-RedisCommand 'SET k v' with no connection, against
/// localhost:6379. Needs port 6379 free for a server of its own.
/// </summary>
public sealed class DefaultEndpointTests
{
    [Fact]
    public void InvokeWithoutAConnectionUsesLocalhost6379()
    {
        try
        {
            using var probe = new TcpListener(IPAddress.Loopback, 6379);
            probe.Start();
            probe.Stop();
        }
        catch (SocketException ex)
        {
            throw new InvalidOperationException("Port 6379 on 127.0.0.1 is taken, so this test cannot start its own server there: " + ex.Message);
        }

        using var server = RedisServer.Start(new RedisServerOptions { Name = "default-6379", Port = 6379 });
        using var ps = new PowerShellSession();
        var output = ps.RunClean("Invoke-RedisCommand 'SET k v'; Invoke-RedisCommand GET k; (Get-Command -Module RedisCluster).Count -ge 3");
        Assert.Equal(new object?[] { "OK", "v", true }, output);
    }
}
