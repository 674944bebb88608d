using System.Globalization;
using System.Text.RegularExpressions;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Tunnel.Pinned;

/// <summary>A slot moved under a pinned tunnel, on a cluster of its own.</summary>
public sealed class PinnedTunnelMigrationTests : PinnedTunnelTestBase, IClassFixture<PinnedClusterFixture>
{
    public PinnedTunnelMigrationTests(PinnedClusterFixture fixture)
        : base(fixture)
    {
    }

    [Fact]
    public void AMovedCausedByAMigratedSlotIsRewritten()
    {
        Dictionary<RedisServer, string> keys = KeyPerMaster();
        RedisServer source = keys.Keys.First();
        RedisServer target = keys.Keys.Last();

        // A fresh key in a slot of the source with nothing stored in it, so it can be reassigned directly.
        string key = Enumerable.Range(0, 100_000).Select(i => "tunnel:migrate:" + i)
            .First(k => OwnerOf(HashSlot.GetSlot(k)) == source && source.Cli("CLUSTER", "COUNTKEYSINSLOT", HashSlot.GetSlot(k).ToString(CultureInfo.InvariantCulture)) == "0");
        string slot = HashSlot.GetSlot(key).ToString(CultureInfo.InvariantCulture);
        string targetId = target.Cli("CLUSTER", "MYID");
        string sourceId = source.Cli("CLUSTER", "MYID");
        try
        {
            // Target first, so that the slot is never unowned; every master, so that none redirects elsewhere.
            target.Cli("CLUSTER", "SETSLOT", slot, "NODE", targetId);
            foreach (RedisServer master in _cluster.Masters().Where(m => m != target))
            {
                master.Cli("CLUSTER", "SETSLOT", slot, "NODE", targetId);
            }

            using var client = RawRespClient.Connect(LocalPortOf(source));
            RespValue reply = client.Call("SET", key, "v");
            Assert.Equal("MOVED " + slot + " 127.0.0.1:" + LocalPortOf(target), reply.GetString());
            Assert.Equal("OK", Cli(LocalPortOf(source), "-c", "SET", key, "moved-value"));
            Assert.Equal("moved-value", target.Cli("GET", key));
        }
        finally
        {
            target.Cli("DEL", key);
            source.Cli("CLUSTER", "SETSLOT", slot, "NODE", sourceId);
            foreach (RedisServer master in _cluster.Masters().Where(m => m != source))
            {
                master.Cli("CLUSTER", "SETSLOT", slot, "NODE", sourceId);
            }

            _cluster.WaitHealthy(TimeSpan.FromSeconds(30));
        }
    }
}
