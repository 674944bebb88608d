using RedisCluster.Engine.Cluster;
using RedisCluster.Tests.Hosting;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Routing;

/// <summary>A slot migrated during the test: ASK is followed mid-migration, MOVED after it; the caller sees no error.</summary>
public sealed class SlotMigrationTests : IClassFixture<DedicatedClusterFixture>
{
    private readonly RedisClusterProcesses _cluster;

    public SlotMigrationTests(DedicatedClusterFixture fixture)
    {
        _cluster = fixture.Cluster;
    }

    [Fact]
    public void AskThenMovedAreFollowedTransparently()
    {
        var log = new CapturingLog();
        using var client = ClusterClients.Open(_cluster, log);

        // A PowerShell session that learns the topology now, before the slot moves.
        using var ps = new PowerShellSession();
        ps.RunClean($"Connect-Redis -Endpoint 127.0.0.1:{_cluster.SeedPort} | Out-Null");
        const string tag = "{migrating}";
        string k1 = tag + "1", k2 = tag + "2";
        int slot = HashSlot.GetSlot(k1);
        Assert.Equal("OK", client.Run("SET", k1, "one").GetString());
        Assert.Equal("OK", client.Run("SET", k2, "two").GetString());

        var source = _cluster.NodeForPort(client.Topology.GetPrimaryForSlot(slot)!.Endpoint!.Port);
        var target = _cluster.Masters().First(m => m.Port != source.Port);
        string sourceId = source.Cli("CLUSTER", "MYID");
        string targetId = target.Cli("CLUSTER", "MYID");

        Assert.Equal("OK", target.Cli("CLUSTER", "SETSLOT", slot.ToString(), "IMPORTING", sourceId));
        Assert.Equal("OK", source.Cli("CLUSTER", "SETSLOT", slot.ToString(), "MIGRATING", targetId));
        Assert.Equal("OK", source.Cli("MIGRATE", "127.0.0.1", target.Port.ToString(), "", "0", "5000", "KEYS", k1));

        // k1 now lives on the target: the source answers ASK, which the client follows once.
        Assert.Equal("one", client.Run("GET", k1).GetString());
        Assert.Equal("two", client.Run("GET", k2).GetString());
        Assert.True(log.Any("ASK slot " + slot), string.Join("\n", log.Messages));
        Assert.False(log.Any("MOVED"));

        Assert.Equal("OK", source.Cli("MIGRATE", "127.0.0.1", target.Port.ToString(), "", "0", "5000", "KEYS", k2));
        foreach (var master in _cluster.Masters())
        {
            Assert.Equal("OK", master.Cli("CLUSTER", "SETSLOT", slot.ToString(), "NODE", targetId));
        }

        // The client's slot map still names the source: MOVED, then a direct hit, and no error.
        Assert.Equal("one", client.Run("GET", k1).GetString());
        Assert.Equal("two", client.Run("GET", k2).GetString());
        Assert.True(log.Any("MOVED slot " + slot), string.Join("\n", log.Messages));
        Assert.Equal(target.Port, client.RunDetailed("GET", k2).Endpoint.Port);

        // The cmdlet follows the same MOVED and says so under -Verbose.
        var result = ps.Run($"Invoke-RedisCommand GET '{k1}' -Verbose");
        Assert.Equal(new object?[] { "one" }, result.Values);
        Assert.Empty(result.Errors);
        Assert.Contains(result.Verbose, v => v.Contains("MOVED slot " + slot, StringComparison.Ordinal));
    }
}
