using RedisCluster.Tests.Hosting;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Module;

/// <summary>Enter-RedisCli driven through a scripted host, as a user at a terminal would drive it.</summary>
[Collection(ClusterCollection.Name)]
public sealed class EnterRedisCliTests
{
    private readonly RedisClusterProcesses _cluster;

    public EnterRedisCliTests(ClusterFixture fixture)
    {
        _cluster = fixture.Cluster;
    }

    [Fact]
    public void RunsCommandsAndPrintsRepliesLikeRedisCli()
    {
        string key = "cli:" + Guid.NewGuid().ToString("N")[..8];
        var host = new ScriptedHost(new[]
        {
            $"SET {key} \"hello world\"",
            $"GET {key}",
            $"INCR {key}:n",
            $"RPUSH {key}:l a b",
            $"LRANGE {key}:l 0 -1",
            $"GET {key}:missing",
            $"SUNIONSTORE {key}:a {key}:b x y z",
            "SET \"unbalanced",
            "",
            "quit",
            "PING",
        });
        using var ps = new PowerShellSession(host);
        ps.RunClean($"Enter-RedisCli -Endpoint 127.0.0.1:{_cluster.SeedPort} -ShowNode");
        string screen = host.Screen;
        Assert.Contains($"127.0.0.1:{_cluster.SeedPort} (cluster)> ", screen);
        Assert.Contains("\nOK\n", screen);
        Assert.Contains("\"hello world\"", screen);
        Assert.Contains("(integer) 1", screen);
        Assert.Contains("1) \"a\"\n2) \"b\"", screen);
        Assert.Contains("(nil)", screen);
        Assert.Contains("(error) CROSSSLOT", screen);
        Assert.Contains("hash tag", screen);
        Assert.Contains("Invalid argument(s)", screen);
        Assert.Contains("-> served by 127.0.0.1:", screen);
        Assert.DoesNotContain("PONG", screen);
    }

    [Fact]
    public void ANullArrayOverResp2IsNilLikeInRedisCli()
    {
        string key = "cli:" + Guid.NewGuid().ToString("N")[..8];
        var host = new ScriptedHost(new[] { $"BLPOP {key} 0.1", $"LRANGE {key} 0 -1", "quit" });
        using var ps = new PowerShellSession(host);
        ps.RunClean($"Enter-RedisCli -Endpoint 127.0.0.1:{_cluster.SeedPort} -Protocol Resp2");

        // The BLPOP timeout is *-1 over RESP2; the LRANGE of a missing key a real empty array.
        Assert.Matches(@"BLPOP [^\n]*\n\(nil\)\n", host.Screen);
        Assert.Equal(1, host.Screen.Split("(empty array)").Length - 1);
    }

    [Fact]
    public void EndOfInputEndsTheSession()
    {
        var host = new ScriptedHost(new[] { "PING" });
        using var ps = new PowerShellSession(host);
        ps.RunClean($"Enter-RedisCli -Endpoint 127.0.0.1:{_cluster.SeedPort}; 'after'");
        Assert.Contains("PONG", host.Screen);
    }
}
