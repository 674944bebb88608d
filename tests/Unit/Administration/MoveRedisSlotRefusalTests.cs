using RedisCluster.Engine.Cluster;
using RedisCluster.Tests.Hosting;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Administration;

/// <summary>Move-RedisSlot refuses bad requests on the shared cluster before it changes anything.</summary>
[Collection(ClusterCollection.Name)]
public sealed class MoveRedisSlotRefusalTests : SharedClusterRefusals
{
    public MoveRedisSlotRefusalTests(ClusterFixture fixture)
        : base(fixture)
    {
    }

    private ClusterNode Primary(int slot) => Nodes.Single(n => n.IsPrimary && n.Slots.Any(r => r.Contains(slot)));

    [Fact]
    public void OverlappingRangesAreRefused()
    {
        RefusedAsInvalidArgument($"Move-RedisSlot -Slot 100-200,150-160 -Destination {Primary(6000).Endpoint} -Cluster {Seed}", "Slot 150 is given twice (100-200 and 150-160 overlap)");
    }

    [Theory]
    [InlineData("16384", "'16384' is not a slot or slot range")]
    [InlineData("'200-100'", "Slot range '200-100' ends before it starts")]
    [InlineData("abc", "'abc' is not a slot or slot range")]
    public void ABadSlotIsRefused(string slot, string message)
    {
        RefusedAsInvalidArgument($"Move-RedisSlot -Slot {slot} -Destination {Primary(6000).Endpoint} -Cluster {Seed}", message);
    }

    [Fact]
    public void AnUnknownNodeIdIsRefused()
    {
        RefusedAsInvalidArgument($"Move-RedisSlot -Slot 1 -Destination 0123456789abcdef0123456789abcdef01234567 -Cluster {Seed}", "The cluster has no node '0123456789abcdef0123456789abcdef01234567'");
    }

    [Fact]
    public void AReplicaDestinationIsRefused()
    {
        ClusterNode replica = Nodes.First(n => n.IsReplica);
        ClusterNode primary = Nodes.Single(n => n.Id == replica.PrimaryId);
        RefusedAsInvalidArgument($"Move-RedisSlot -Slot 1 -Destination {replica.Id} -Cluster {Seed}", "Node " + replica.Endpoint + " is a replica (of " + primary.Endpoint + "); slots can only move to a primary.");
    }

    [Fact]
    public void ANodeOfAnotherClusterIsRefused()
    {
        using var other = new EmptyClusterNodes(3);
        var theirs = Ps.RunClean($"New-RedisCluster {other.EndpointList()} -ReplicasPerPrimary 0").Cast<ClusterNode>().ToList();
        RefusedAsInvalidArgument($"Move-RedisSlot -Slot 1 -Destination {theirs[1].Endpoint} -Cluster {Seed}", "The cluster has no node '" + theirs[1].Endpoint + "'");
        Assert.Equal("0-5460", string.Join(",", EmptyClusterNodes.ClusterNodes(other.Nodes[0]).Where(l => l.StartsWith(theirs[0].Id, StringComparison.Ordinal)).Select(l => l.Split(' ')[8])));
    }

    [Fact]
    public void AnIdWithoutAClusterIsRefused()
    {
        RefusedAsInvalidArgument($"Move-RedisSlot -Slot 1 -Destination {Primary(6000).Id}", "give -Cluster too");
    }
}
