using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;
using Xunit;

namespace RedisCluster.Tests.ClusterMetadata;

public sealed class ClusterTopologyTests
{
    private static ClusterNode Primary(string id, string host, int port, ClusterNodeHealth health, params SlotRange[] slots)
        => new(id, new RedisEndpoint(host, port), "10.0.0." + port % 100, "node" + port % 100 + ".example", port, port + 1000,
            ClusterNodeRole.Primary, null, slots, health);

    [Fact]
    public void SlotLookupIsBoundedAndPrefersHealthyClaimants()
    {
        var t = new ClusterTopology(new[]
        {
            Primary("failed", "h1", 7001, ClusterNodeHealth.Failed, new SlotRange(0, 200)),
            Primary("ok", "h2", 7002, ClusterNodeHealth.Online, new SlotRange(100, 16383)),
        });

        Assert.Equal("failed", t.GetPrimaryForSlot(99)!.Id);
        Assert.Equal("ok", t.GetPrimaryForSlot(100)!.Id);
        Assert.Equal("ok", t.GetPrimaryForSlot(200)!.Id);
        Assert.True(t.CoversAllSlots);
        Assert.Throws<ArgumentOutOfRangeException>(() => t.GetPrimaryForSlot(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => t.GetPrimaryForSlot(16384));
        Assert.Equal("2 primaries, 0 replicas, 16384/16384 slots covered", t.ToString());
    }

    [Fact]
    public void FindByEndpointMatchesTheDialAddressThenIpOrHostnameWithEitherPort()
    {
        ClusterNode a = Primary("a", "dial.example", 7001, ClusterNodeHealth.Online, new SlotRange(0, 16383));
        var t = new ClusterTopology(new[] { a });

        Assert.Same(a, t.FindByEndpoint(new RedisEndpoint("DIAL.example", 7001)));
        Assert.Same(a, t.FindByEndpoint(new RedisEndpoint("10.0.0.1", 7001)));
        Assert.Same(a, t.FindByEndpoint(new RedisEndpoint("node1.example", 8001)));
        Assert.Null(t.FindByEndpoint(new RedisEndpoint("10.0.0.1", 7002)));
        Assert.Null(t.FindByEndpoint(new RedisEndpoint("elsewhere", 7001)));
        Assert.Null(t.FindById("nope"));
    }

    [Fact]
    public void DuplicateIdsKeepTheFirst()
    {
        var t = new ClusterTopology(new[]
        {
            Primary("a", "h1", 7001, ClusterNodeHealth.Online, new SlotRange(0, 10)),
            Primary("a", "h2", 7002, ClusterNodeHealth.Online, new SlotRange(11, 20)),
        });
        Assert.Single(t.Nodes);
        Assert.Equal(11, t.CoveredSlotCount);
    }

    [Fact]
    public void SlotRangeValidatesAndContains()
    {
        var range = new SlotRange(10, 20);
        Assert.True(range.Contains(10));
        Assert.True(range.Contains(20));
        Assert.False(range.Contains(21));
        Assert.Equal(11, range.Count);
        Assert.Equal("10-20", range.ToString());
        Assert.Equal(new SlotRange(10, 20), range);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SlotRange(5, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SlotRange(0, 16384));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SlotRange(-1, 3));
    }
}
