using RedisCluster.Engine.Administration;
using RedisCluster.Engine.Cluster;
using RedisCluster.Tests.Hosting;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Administration;

/// <summary>Optimize-RedisCluster refuses bad weights on the shared cluster (3 primaries, 3 replicas) before it changes anything; -Simulate changes nothing.</summary>
[Collection(ClusterCollection.Name)]
public sealed class OptimizeRedisClusterRefusalTests : SharedClusterRefusals
{
    public OptimizeRedisClusterRefusalTests(ClusterFixture fixture)
        : base(fixture)
    {
    }

    private ClusterNode FirstPrimary => Nodes.First(n => n.IsPrimary);

    [Fact]
    public void AWeightForAnUnknownNodeIsRefused()
    {
        RefusedAsInvalidArgument($"Optimize-RedisCluster {Seed} -Weight @{{ '0123456789abcdef0123456789abcdef01234567' = 2 }}", "The cluster has no node '0123456789abcdef0123456789abcdef01234567'");
    }

    [Fact]
    public void AWeightForAReplicaIsRefused()
    {
        ClusterNode replica = Nodes.First(n => n.IsReplica);
        RefusedAsInvalidArgument($"Optimize-RedisCluster {Seed} -Weight @{{ '{replica.Endpoint}' = 2 }}", "Node " + replica.Endpoint + " is a replica; only primaries hold slots, so only they take a weight.");
    }

    [Theory]
    [InlineData("-1", "The weight of {0} is -1; weights are numbers of 0 or more")]
    [InlineData("'heavy'", "The weight of {0} is 'heavy'; a weight is a number of 0 or more.")]
    public void ABadWeightIsRefused(string weight, string message)
    {
        RefusedAsInvalidArgument($"Optimize-RedisCluster {Seed} -Weight @{{ '{FirstPrimary.Id}' = {weight} }}", string.Format(message, FirstPrimary.Id));
    }

    [Fact]
    public void WeightZeroForEveryPrimaryIsRefused()
    {
        string weights = string.Join("; ", Nodes.Where(n => n.IsPrimary).Select(n => $"'{n.Id}' = 0"));
        RefusedAsInvalidArgument($"Optimize-RedisCluster {Seed} -Weight @{{ {weights} }}", "Every primary that takes part has weight 0");
    }

    [Fact]
    public void SimulateReturnsThePlanAndMovesNothing()
    {
        var result = Ps.Run($"Optimize-RedisCluster {Seed} -Weight @{{ '{FirstPrimary.Endpoint}' = 0 }} -Simulate");
        Assert.True(result.Terminating == null && result.Errors.Count == 0, result.AllText());
        var plan = Assert.IsType<RebalanceResult>(Assert.Single(result.Values));
        Assert.True(plan.Simulated);
        Assert.Equal(2, plan.Moves.Count);
        Assert.All(plan.Moves, m => Assert.Equal(FirstPrimary.Id, m.SourceId));
        Assert.Equal(FirstPrimary.Slots.Sum(r => r.End - r.Start + 1), plan.SlotsMoved);
        Assert.Equal(0, plan.Primaries.Single(p => p.Id == FirstPrimary.Id).SlotsAfter);
        Assert.Equal(0L, plan.KeysMoved);
        AssertUnchanged();
    }
}
