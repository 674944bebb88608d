using System.Globalization;
using System.Text.RegularExpressions;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Tunnel.Pinned;

/// <summary>A failover under a pinned tunnel, on a cluster of its own.</summary>
public sealed class PinnedTunnelFailoverTests : PinnedTunnelTestBase, IClassFixture<PinnedClusterFixture>
{
    public PinnedTunnelFailoverTests(PinnedClusterFixture fixture)
        : base(fixture)
    {
    }

    [Fact]
    public async Task ListenersFollowAFailover()
    {
        RedisServer replica = _cluster.Replicas().First();
        int replicaLocal = LocalPortOf(replica);
        replica.Cli("CLUSTER", "FAILOVER");

        // First the cluster itself must agree on the new roles (gossip can lag on a loaded 2-core machine);
        // then the tunnel, which re-reads the topology every 300 ms, must follow.
        var converged = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!replica.Cli("ROLE").StartsWith("master", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < converged, "the replica was not promoted");
            await Task.Delay(100);
        }

        _cluster.WaitHealthy(TimeSpan.FromSeconds(60));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (Tunnel.Listeners.Single(l => l.LocalPort == replicaLocal).Role != "primary" || Tunnel.Listeners.Count(l => l.Role == "primary") != 3)
        {
            Assert.True(DateTime.UtcNow < deadline, "the tunnel did not see the failover: " + string.Join(", ", Tunnel.Listeners));
            await Task.Delay(100);
        }

        _cluster.WaitHealthy(TimeSpan.FromSeconds(30));
        Assert.Equal(3, Tunnel.Listeners.Count(l => l.Role == "primary"));
        Assert.Equal("PONG", Cli(replicaLocal, "PING"));
        Assert.Contains("role:master", Cli(replicaLocal, "INFO", "replication"));
    }
}
