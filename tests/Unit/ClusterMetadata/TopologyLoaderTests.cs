using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Errors;
using Xunit;

namespace RedisCluster.Tests.ClusterMetadata;

/// <summary>The loader's fallbacks, against a scripted server speaking RESP2 like a 6.2 cluster node.</summary>
public sealed class TopologyLoaderTests
{
    private static readonly string Info = Bulk("redis_version:6.2.14\r\nredis_mode:cluster\r\n");

    // 6.2 CLUSTER SLOTS: [start, end, [ip, port, id], ...] without the metadata map.
    private const string Slots =
        "*2\r\n" +
        "*4\r\n:0\r\n:8191\r\n*3\r\n$9\r\n127.0.0.1\r\n:7001\r\n$1\r\na\r\n*3\r\n$9\r\n127.0.0.1\r\n:7004\r\n$2\r\na1\r\n" +
        "*3\r\n:8192\r\n:16383\r\n*3\r\n$0\r\n\r\n:7002\r\n$1\r\nb\r\n";

    private static string Bulk(string text) => "$" + System.Text.Encoding.UTF8.GetByteCount(text) + "\r\n" + text + "\r\n";

    [Fact]
    public async Task ServersWithoutClusterShardsFallBackToClusterSlots()
    {
        using var server = new ScriptedServer(command => command switch
        {
            "INFO server" => Info,
            "CLUSTER SHARDS" => "-ERR unknown subcommand 'SHARDS'. Try CLUSTER HELP.\r\n",
            "CLUSTER SLOTS" => Slots,
            _ => "-ERR unexpected " + command + "\r\n",
        });
        using RedisConnection connection = await server.ConnectAsync();

        ClusterTopology t = await ClusterTopologyLoader.LoadAsync(connection, CancellationToken.None);
        Assert.Equal(new[] { "INFO server", "CLUSTER SHARDS", "CLUSTER SLOTS" }, server.Received);
        Assert.True(t.CoversAllSlots);
        Assert.Equal(new[] { "a", "b" }, t.Primaries.Select(n => n.Id));
        Assert.Equal("a", t.FindById("a1")!.PrimaryId);
        // An empty endpoint: the host we asked.
        Assert.Equal(new RedisEndpoint("127.0.0.1", 7002), t.FindById("b")!.Endpoint);
    }

    [Fact]
    public async Task WhenBothAreRefusedBothErrorsAreReported()
    {
        using var server = new ScriptedServer(command => command switch
        {
            "INFO server" => Info,
            _ => "-NOPERM this user has no permissions to run the '" + command.ToLowerInvariant().Replace(' ', '|') + "' command\r\n",
        });
        using RedisConnection connection = await server.ConnectAsync();

        var error = await Assert.ThrowsAsync<RedisServerErrorException>(() => ClusterTopologyLoader.LoadAsync(connection, CancellationToken.None));
        Assert.Contains("cluster|shards", error.Message);
        Assert.Contains("cluster|slots", error.Message);
        Assert.Contains("127.0.0.1:" + server.Port, error.Message);
    }

    [Fact]
    public async Task ANodeWithoutClusterModeIsNamed()
    {
        using var server = new ScriptedServer(command => command switch
        {
            "INFO server" => Info,
            _ => "-ERR This instance has cluster support disabled\r\n",
        });
        using RedisConnection connection = await server.ConnectAsync();

        var error = await Assert.ThrowsAsync<RedisException>(() => ClusterTopologyLoader.LoadAsync(connection, CancellationToken.None));
        Assert.Contains("not in cluster mode", error.Message);
        Assert.Equal(new[] { "INFO server", "CLUSTER SHARDS" }, server.Received);
    }
}
